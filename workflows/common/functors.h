// MSM-compatible action and guard functors without MSM: an action or guard is a plain struct with
// a static function over (payload, context, commands); these CRTP bases give it the
// operator()(event, fsm, source, target) that MSM's functor rows call. Keeping the logic out of
// templates lets it live in ordinary .cc files, away from the heavy machine TU.
#pragma once

#include <vector>

#include "workflows/workflow.h"

namespace o2c::workflows::machine {

using Commands = std::vector<Command>;

// Payload of an event, or an empty object for MSM's anonymous (completion) event `none`.
template <class Evt>
const Json& PayloadOf(const Evt& e) {
  if constexpr (requires { e.data(); }) {
    return e.data();
  } else {
    static const Json kEmpty = Json::object();
    return kEmpty;
  }
}

// Impl provides: static void Run(const Json& payload, Json& ctx, Commands& out).
template <class Impl>
struct ActionFn {
  template <class Evt, class Fsm, class S, class T>
  void operator()(const Evt& e, Fsm& fsm, S&, T&) const {
    Impl::Run(PayloadOf(e), fsm.ctx, fsm.commands);
  }
};

// Impl provides: static bool Check(const Json& payload, const Json& ctx).
template <class Impl>
struct GuardFn {
  template <class Evt, class Fsm, class S, class T>
  bool operator()(const Evt& e, Fsm& fsm, S&, T&) const {
    return Impl::Check(PayloadOf(e), fsm.ctx);
  }
};

template <class G1, class G2>
struct And {
  template <class Evt, class Fsm, class S, class T>
  bool operator()(const Evt& e, Fsm& f, S& s, T& t) const {
    return G1()(e, f, s, t) && G2()(e, f, s, t);
  }
};

template <class G>
struct Not {
  template <class Evt, class Fsm, class S, class T>
  bool operator()(const Evt& e, Fsm& f, S& s, T& t) const {
    return !G()(e, f, s, t);
  }
};

// Runs A1 then A2.
template <class A1, class A2>
struct Then {
  template <class Evt, class Fsm, class S, class T>
  void operator()(const Evt& e, Fsm& f, S& s, T& t) const {
    A1()(e, f, s, t);
    A2()(e, f, s, t);
  }
};

}  // namespace o2c::workflows::machine
