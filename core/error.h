// The one exception type of the project (DESIGN.md convention 8). Its message is a single line a user
// can act on: what is wrong, with which file or value, and what to do about it. The CLI catches it at
// the top, prints it and exits 1.
#pragma once

#include <stdexcept>
#include <string>

namespace jl {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Bad command-line usage (wrong flag combination, value out of range): the CLI exits 2 for these.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A run that finished but not everything in it succeeded (a batch with failed items): the CLI exits 3.
class PartialFailure : public Error {
 public:
  using Error::Error;
};

}  // namespace jl
