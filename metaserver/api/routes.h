// metaserver/api/routes.h
//
// Registers the JSON API's routes (listed in json_api.h) on a Router: every handler that
// touches the journal with Router::AddSync (run off the I/O threads), the long-poll with
// Router::Add (it only parks a callback). `api` must outlive the router and every server using
// it. Call before the server starts.
#pragma once

#include "common/http/server.h"
#include "metaserver/api/json_api.h"

namespace tessera::metaserver::api {

void AddRoutes(JsonApi& api, common::http::Router& router);

}  // namespace tessera::metaserver::api
