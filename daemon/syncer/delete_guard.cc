#include "daemon/syncer/delete_guard.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera::daemon::syncer {

using common::Status;

bool IsMassDelete(uint64_t deletes, uint64_t files, const SyncConfig& config) {
  return deletes > config.mass_delete_files &&
         deletes * 100 > files * static_cast<uint64_t>(config.mass_delete_percent);
}

namespace {

std::string HeldMessage(uint64_t held, uint64_t files, bool incoming) {
  return "holding " + std::to_string(held) + " deletes " +
         (incoming ? "from other desktops" : "made here") + " (of " + std::to_string(files) +
         " files): `tessera resume --confirm-deletes` " +
         (incoming ? "applies them here" : "sends them") + ", `tessera resume --restore` " +
         (incoming ? "uploads the files again" : "brings the files back");
}

}  // namespace

Status DeleteGuard::Filter(PassPlan& plan, uint64_t& released) {
  released = 0;
  bool outgoing = false;
  for (const auto& item : plan.uploads) outgoing = outgoing || !item.local;
  const bool incoming = !plan.deletes.empty();
  if (!outgoing && !incoming && !held_known_) return Status::Ok();
  TESSERA_RETURN_IF_ERROR(index_.PruneHeld());
  TESSERA_ASSIGN_OR_RETURN(const index::DeleteCounts counts, index_.CountDeletes());
  const bool out_mass = IsMassDelete(counts.outgoing, counts.files, config_);
  const bool in_mass = IsMassDelete(counts.incoming, counts.files, config_);
  // Held deletes that are no mass delete any more (files came back) go through again.
  for (const bool in : {false, true}) {
    if ((in ? in_mass : out_mass) || (in ? counts.held_incoming : counts.held_outgoing) == 0) {
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(const uint64_t n, index_.ReleaseHeld(in));
    if (n == 0) continue;
    released += n;
    log_.Info("sync", std::to_string(n) + " held deletes " +
                          (in ? "from other desktops" : "made here") +
                          " are no mass delete any more: they go through");
  }

  uint64_t held_out = out_mass ? counts.held_outgoing : 0;
  uint64_t held_in = in_mass ? counts.held_incoming : 0;
  if (out_mass && outgoing) {
    std::vector<UploadItem> kept;
    std::vector<std::string> hold;
    for (auto& item : plan.uploads) {
      bool go = item.local.has_value();
      if (!go) {
        TESSERA_ASSIGN_OR_RETURN(go, index_.DeleteConfirmed(item.path, false));
      }
      if (go) {
        kept.push_back(std::move(item));
      } else {
        hold.push_back(item.path);
      }
    }
    plan.uploads = std::move(kept);
    TESSERA_RETURN_IF_ERROR(index_.HoldDeletes(hold, false));
    held_out += hold.size();
  }
  if (in_mass && incoming) {
    std::vector<Plan> kept;
    std::vector<std::string> hold;
    for (auto& p : plan.deletes) {
      TESSERA_ASSIGN_OR_RETURN(const bool go, index_.DeleteConfirmed(p.path, true));
      if (go) {
        kept.push_back(std::move(p));
      } else {
        hold.push_back(p.path);
      }
    }
    plan.deletes = std::move(kept);
    TESSERA_RETURN_IF_ERROR(index_.HoldDeletes(hold, true));
    held_in += hold.size();
  }
  // Said once per change of what is held (the log keeps the history; `tessera status` the
  // counts).
  if (held_out != warned_outgoing_ && held_out > 0) {
    log_.Warn("sync", HeldMessage(held_out, counts.files, false));
  }
  if (held_in != warned_incoming_ && held_in > 0) {
    log_.Warn("sync", HeldMessage(held_in, counts.files, true));
  }
  warned_outgoing_ = held_out;
  warned_incoming_ = held_in;
  held_known_ = held_out > 0 || held_in > 0 || counts.held_outgoing > 0 || counts.held_incoming > 0;
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
