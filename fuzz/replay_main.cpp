// The fuzz targets without libFuzzer: a main() that feeds every file named on
// the command line (a directory: every regular file in it, in name order) to
// the target's LLVMFuzzerTestOneInput once, after LLVMFuzzerInitialize when
// the target defines one. The normal (gcc) build links each fuzz/fuzz_*.cpp
// with this file, and ctest replays the committed corpora through them
// (fuzz_corpus.<target>): every seed and every input that once crashed a
// target goes through the target's invariants on every CI run, under the
// sanitizers too in scripts/sanitize.sh's build. A broken invariant aborts
// (fuzz/fuzz_check.h), which fails the test and names the input last read.
//
// Usage: fuzz_<name> [--quiet] FILE_OR_DIR...
// Exit: 0 when every input ran; 2 on a usage error or an unreadable path.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

// The files a path names: itself, or a directory's regular files sorted.
bool CollectInputs(const std::string& path, std::vector<fs::path>* out) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (ec) return false;
    std::sort(files.begin(), files.end());
    out->insert(out->end(), files.begin(), files.end());
    return true;
  }
  if (!fs::is_regular_file(path, ec)) return false;
  out->emplace_back(path);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool quiet = false;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: %s [--quiet] FILE_OR_DIR...\n"
          "Runs every input once through this fuzz target's invariants (no mutation;\n"
          "scripts/fuzz.sh fuzzes with libFuzzer). A directory means its files.\n",
          argv[0]);
      return 0;
    }
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    paths.push_back(arg);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "%s: no input given (see --help)\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (const std::string& path : paths) {
    if (!CollectInputs(path, &inputs)) {
      std::fprintf(stderr, "%s: cannot read \"%s\": not a file or a readable directory\n",
                   argv[0], path.c_str());
      return 2;
    }
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  size_t bytes = 0;
  for (const fs::path& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot open \"%s\"\n", argv[0], input.c_str());
      return 2;
    }
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!quiet) std::fprintf(stderr, "running %s (%zu bytes)\n", input.c_str(), data.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    bytes += data.size();
  }
  std::printf("%s: %zu inputs (%zu bytes) ran without a broken invariant\n", argv[0],
              inputs.size(), bytes);
  return 0;
}
