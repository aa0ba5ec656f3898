#pragma once
// The functions the module hands out through its IoModule, one file each.
#include "ssdbuild/actions/io_module.hpp"

namespace ssdbuild {

DownloadAttempt download_once(const std::string& url, const std::filesystem::path& part,
                              const StepContext& context);
ActionOutcome check_out(const GitAction::Settings& settings, const StepContext& context);
size_t extract_archive_entries(const std::filesystem::path& archive,
                               const std::filesystem::path& into, int strip);
HttpResponse http_transfer(const HttpRequest& request);

}  // namespace ssdbuild
