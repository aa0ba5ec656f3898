#pragma once
// The archive format of the stage cache: tar (pax, so modification times keep their
// nanoseconds) compressed with zstd, multi-threaded where libarchive allows. Entries are
// the absolute paths without their leading `/`, so that `tar -x -C /` restores them in
// place by hand too. The work is libarchive's, done in ssdbuild-io.so (io_module.hpp).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ssdbuild {

struct PackedArchive {
  std::uint64_t archive_bytes = 0;
  std::uint64_t content_bytes = 0;
  std::uint64_t entries = 0;
  std::string sha256;  // of the archive file, computed as it is written
};

/// Writes every file, folder and symbolic link under `paths` (absolute, existing) into
/// `archive` with their modes and modification times; links are stored, not followed.
/// `threads` is zstd's worker count. Throws Error naming the file that failed.
PackedArchive pack_stage_archive(const std::vector<std::filesystem::path>& paths,
                                 const std::filesystem::path& archive, int threads);

/// Restores `archive` in place, over what is there. Refuses (throws Error) an entry that
/// is not under one of `roots`, climbs with `..`, or goes through a link that an earlier
/// entry made. Returns the number of entries.
std::uint64_t restore_stage_archive(const std::filesystem::path& archive,
                                    const std::vector<std::filesystem::path>& roots);

}  // namespace ssdbuild
