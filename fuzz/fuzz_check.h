// Shared by the fuzz targets (fuzz/fuzz_*.cpp): invariant checks.
//
// A target calls its parser on the input and checks what must hold for every
// input: the parser returns a Status (no exception escapes: RunGuarded aborts
// with the exception's message), and an accepted input satisfies the
// invariants the parser's header promises (FuzzCheck aborts naming the broken
// one). libFuzzer reports an abort as a crash and saves the input.
//
// Thread safety: none needed (libFuzzer calls a target from one thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace verdict::fuzz {

// Aborts with "invariant failed: <what>: <detail>" unless `ok`.
inline void FuzzCheck(bool ok, const char* what, const std::string& detail = "") {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s%s%s\n", what, detail.empty() ? "" : ": ",
               detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs `body(text)` on the input; an exception escaping it is a defect.
template <typename Body>
int RunGuarded(const uint8_t* data, size_t size, Body body) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    body(text);
  } catch (const std::exception& e) {
    FuzzCheck(false, "no exception escapes the parser", e.what());
  } catch (...) {
    FuzzCheck(false, "no exception escapes the parser", "a non-std exception");
  }
  return 0;
}

}  // namespace verdict::fuzz
