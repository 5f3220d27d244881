#include "common/cli/subcommands.h"

namespace tessera::common::cli {

SubcommandTable::SubcommandTable(CLI::App& app, const std::vector<Subcommand>& rows) {
  entries_.reserve(rows.size());
  for (const Subcommand& row : rows) {
    CLI::App* command = app.add_subcommand(row.name, row.help);
    entries_.push_back(Entry{command, row.setup(*command)});
  }
}

RunFunction SubcommandTable::Chosen() const {
  for (const Entry& entry : entries_) {
    if (entry.command->parsed()) return entry.run;
  }
  return nullptr;
}

}  // namespace tessera::common::cli
