// metaserver/ns/request_context.h
//
// RequestContext: who is asking and about which namespace, as every way in (the JSON API, and
// later the web page and WebDAV) hands it to the NamespaceService (namespace_service.h). The
// adapter fills it from its transport (the JSON API: the {ns} of the URL); the service
// validates the name and resolves it once per call, which is where authorization will be
// checked (next issue: the user and device then come from the authentication filter).
// Value type; thread-compatible.
#pragma once

#include <string>

namespace tessera::metaserver::ns {

struct RequestContext {
  std::string user;    // the authenticated user; empty until accounts exist
  std::string device;  // the authenticated device; empty until accounts exist
  std::string ns;      // the namespace's name, as the client gave it (not validated yet)
};

}  // namespace tessera::metaserver::ns
