// blockserver/api/routes.h
//
// Registers the blockserver's endpoints (block_handlers.h) on a Router.
// Call before the server starts; `store` must outlive the server.
#pragma once

#include "blockserver/store/block_store.h"
#include "common/http/router.h"

namespace tessera::blockserver::api {

void RegisterRoutes(common::http::Router& router, BlockStore& store);

}  // namespace tessera::blockserver::api
