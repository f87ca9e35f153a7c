// GET / : the operations console, one self-contained HTML page (no build step, no external
// assets: the machine it runs on may have no internet). It reads the operator API
// (/api/workflows, /api/workflows/{id}, /api/orders/{shop}/{order_id}/trace) with the bearer
// token the user pastes in (kept in the browser's localStorage, never sent anywhere else).
#pragma once

#include <string>

namespace o2c::console {

const std::string& ConsoleHtml();

}  // namespace o2c::console
