// The module's one exported symbol. The core finds it with dlsym (see io_module.hpp); the
// functions it hands out call back into the core binary, which exports its symbols.
#include "io_module_parts.hpp"

extern "C" __attribute__((visibility("default"))) const ssdbuild::IoModule* ssdbuild_io_module() {
  static const ssdbuild::IoModule module = {SSDBUILD_VERSION,
                                            ssdbuild::download_once,
                                            ssdbuild::check_out,
                                            ssdbuild::extract_archive_entries,
                                            ssdbuild::pack_stage_archive,
                                            ssdbuild::restore_stage_archive,
                                            ssdbuild::http_transfer};
  return &module;
}
