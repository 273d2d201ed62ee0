// LC_NUMERIC set to a named locale for a scope, for tests of text that must read the same whatever locale
// the program using the library has set. A locale the system lacks is compiled from Debian's locale
// sources (the locales package, dev/packages.txt) into a temporary directory that LOCPATH then names.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace raws3::test {

class NumericLocale {
 public:
  explicit NumericLocale(const std::string& name) : saved_(std::setlocale(LC_NUMERIC, nullptr)) {
    if (!std::setlocale(LC_NUMERIC, name.c_str())) {
      compile(name);
      REQUIRE(std::setlocale(LC_NUMERIC, name.c_str()) != nullptr);
    }
  }
  NumericLocale(const NumericLocale&) = delete;
  NumericLocale& operator=(const NumericLocale&) = delete;
  ~NumericLocale() {
    std::setlocale(LC_NUMERIC, saved_.c_str());
    if (!compiled_.empty()) std::filesystem::remove_all(compiled_);
  }

  // The decimal point the locale writes: "," for de_DE.
  static std::string decimal_point() { return std::localeconv()->decimal_point; }

 private:
  // "de_DE.UTF-8" from the source "de_DE" and the character map "UTF-8".
  void compile(const std::string& name) {
    const std::size_t dot = name.find('.');
    REQUIRE(dot != std::string::npos);
    compiled_ = std::filesystem::temp_directory_path() / ("raws3-locales-" + std::to_string(::getpid()));
    std::filesystem::create_directories(compiled_);
    const std::string command = "localedef -i " + name.substr(0, dot) + " -f " + name.substr(dot + 1) + " " +
                                (compiled_ / name).string() + " >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    ::setenv("LOCPATH", compiled_.c_str(), 1);
  }

  std::string saved_;
  std::filesystem::path compiled_;
};

}  // namespace raws3::test
