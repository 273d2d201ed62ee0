// What librawS3's shared library exports: the declarations marked RAWS3_API, and nothing else. Everything
// inside the library (its layers, llhttp, the C++ templates it instantiates) stays hidden, so a program
// that links its own copy of any of them gets its own.
#pragma once

#define RAWS3_API __attribute__((visibility("default")))
