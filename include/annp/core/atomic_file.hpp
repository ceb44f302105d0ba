#pragma once
// Atomic file writes: content goes to a temporary file in the same directory, is flushed to
// disk, and is then renamed over the target. Readers see the old file or the new file, never a
// half-written one, even if the process dies in between.

#include <annp/core/error.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define ANNP_HAVE_POSIX_IO 1
#else
#include <fstream>
#endif

namespace annp {

namespace detail {
inline std::string temporary_name_for(const std::filesystem::path& target) {
  static std::atomic<unsigned long> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  std::string name = target.filename().string() + ".tmp.";
#ifdef ANNP_HAVE_POSIX_IO
  name += std::to_string(static_cast<long>(::getpid())) + ".";
#endif
  name += std::to_string(stamp) + "." + std::to_string(counter.fetch_add(1));
  return (target.parent_path() / name).string();
}
} // namespace detail

/// Writes content to path atomically (temporary file + fsync + rename). Throws annp::error naming
/// the file on any failure; on failure the target is left untouched.
inline void write_file_atomically(const std::string& path, std::string_view content) {
  const std::filesystem::path target(path);
  const std::string tmp = detail::temporary_name_for(target);
#ifdef ANNP_HAVE_POSIX_IO
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw error(path, 0,
                std::string("cannot create temporary file for writing: ") + std::strerror(errno));
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw error(path, 0, "write failed: " + reason);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw error(path, 0, "cannot flush file to disk: " + reason);
  }
#else
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw error(path, 0, "write failed");
    }
  }
#endif
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw error(path, 0, "cannot move the finished file into place: " + ec.message());
  }
}

} // namespace annp
