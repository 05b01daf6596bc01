#pragma once
// The Python runtime shim (src/bus/runtime/meshd_python_runtime.py), embedded
// in the binary at build time. BusService writes it to
// <data-dir>/bus/runtime/meshd_python_runtime.py at start.

#include <string_view>

namespace meshd::bus {

std::string_view PythonRuntimeSource();

}  // namespace meshd::bus
