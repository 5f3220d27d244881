// metaserver/api/routes.h
//
// Registers the metaserver's routes (listed in journal_handlers.h) on a Router.
// `handlers` must outlive the router and every server using it. Call before the server starts.
#pragma once

#include "common/http/server.h"
#include "metaserver/api/journal_handlers.h"

namespace tessera::metaserver::api {

void AddRoutes(JournalHandlers& handlers, common::http::Router& router);

}  // namespace tessera::metaserver::api
