// MSM plumbing shared by the four machines: the front-end base (rejection hooks, the step data
// actions write into), event/state bases, guard combinators and the generic Run() that restores a
// machine from a persisted state NAME, feeds one event and reads the new state name back.
//
// Include only from <name>_{events,states,actions,machine}.h and <name>_machine.cc. Facade headers
// and engine/ never see this file.
#pragma once

// Why: tables of up to ~45 rows exceed MPL's default 20-element vector. These must be seen before
// any Boost.MPL header, so every machine TU includes this header (through its machine.h) first.
#ifndef BOOST_MPL_LIMIT_VECTOR_SIZE
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#define BOOST_MPL_LIMIT_MAP_SIZE 50
#endif

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// favor_compile_time must be seen before the back end so the policy is available.
#include <boost/msm/back/favor_compile_time.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include "workflows/common/functors.h"
#include "workflows/common/step.h"

namespace o2c::workflows::machine {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::Internal;
using msm::front::none;
using msm::front::Row;

// Base of every event struct. favor_compile_time copies events into boost::any, so an event holds
// a pointer to the payload owned by Run()'s caller. `data()` is never null.
struct EventBase {
  const Json* payload = nullptr;
  const Json& data() const {
    static const Json kEmpty = Json::object();
    return payload != nullptr ? *payload : kEmpty;
  }
};

// Base of every state struct; each state adds `static constexpr const char* kName`.
struct StateBase : msm::front::state<> {};

// Base of every front end. Actions reach the data through the `fsm` argument.
template <class Derived>
struct MachineDef : msm::front::state_machine_def<Derived> {
  Json ctx;                       // context being computed (a copy of the input)
  std::vector<Command> commands;  // commands appended by actions, in emission order
  bool rejected = false;
  std::string rejection_reason;

  // Why override: the default asserts. LIFECYCLES.md wants a recorded rejection instead.
  template <class Fsm, class Event>
  void no_transition(Event const&, Fsm&, int) {
    rejected = true;
    rejection_reason = "no transition";
  }
  // Why override: the default rethrows nothing useful and would leave the step half-applied. Run()
  // discards ctx/commands of a rejected step, so a throwing action changes nothing.
  template <class Fsm, class Event>
  void exception_caught(Event const&, Fsm&, std::exception& e) {
    rejected = true;
    rejection_reason = std::string("invalid payload: ") + e.what();
  }
};

template <class... T>
struct TypeList {};

// An archive for MSM's Boost.Serialization hook that only *writes* the active state id. This is
// how a machine is put back into a persisted state without touching MSM's private members and
// without running entry actions: serialize() visits m_states (an int array), the history, two
// bools and the (stateless) states; everything but the state ids is left alone.
class RestoreArchive {
 public:
  explicit RestoreArchive(int state_id) : state_id_(state_id) {}
  template <class T>
  RestoreArchive& operator&(T&) {
    return *this;
  }
  template <std::size_t N>
  RestoreArchive& operator&(int (&states)[N]) {
    for (int& s : states) s = state_id_;
    return *this;
  }

 private:
  int state_id_;
};

template <class Sm, class... States>
int StateIdOf(std::string_view name, TypeList<States...>) {
  int id = -1;
  (void)((name == States::kName
              ? (id = msm::back::get_state_id<typename Sm::stt, States>::value, true)
              : false) ||
         ...);
  return id;
}

template <class Sm, class... States>
const char* StateNameOf(int id, TypeList<States...>) {
  const char* name = nullptr;
  (void)((id == msm::back::get_state_id<typename Sm::stt, States>::value
              ? (name = States::kName, true)
              : false) ||
         ...);
  return name;
}

template <class... States>
std::vector<std::string> StateNames(TypeList<States...>) {
  return {States::kName...};
}

template <class... Events>
std::vector<std::string> EventNames(TypeList<Events...>) {
  return {Events::kName...};
}

// Feeds the event whose kName equals `name`. Returns false when no event type has that name.
template <class Sm, class... Events>
bool DispatchByName(Sm& sm, std::string_view name, const Json& payload, TypeList<Events...>,
                    msm::back::HandledEnum& handled) {
  return (
      (name == Events::kName ? (handled = sm.process_event(Events{{&payload}}), true) : false) ||
      ...);
}

// One step: restore `state`, process `event`, report the new state name. Never throws.
template <class Sm, class StateList, class EventList>
StepResult Run(const std::string& state, const std::string& event, const Json& payload,
               const Json& context) {
  StepResult out;
  out.to = state;
  out.context = context;
  auto reject = [&out, &context](std::string reason) {
    out.rejected = true;
    out.rejection_reason = std::move(reason);
    out.context = context;
    out.commands.clear();
    return out;
  };
  const int id = StateIdOf<Sm>(state, StateList{});
  if (id < 0) return reject("unknown state");
  try {
    Sm sm;
    sm.ctx = context.is_object() ? context : Json::object();
    sm.start();
    RestoreArchive archive(id);
    sm.serialize(archive, 0);
    msm::back::HandledEnum handled = msm::back::HANDLED_FALSE;
    if (!DispatchByName(sm, event, payload, EventList{}, handled)) return reject("unknown event");
    if (sm.rejected) return reject(sm.rejection_reason);
    if (handled != msm::back::HANDLED_TRUE) {
      return reject(handled == msm::back::HANDLED_GUARD_REJECT ? "guard rejected"
                                                               : "no transition");
    }
    const char* to = StateNameOf<Sm>(sm.current_state()[0], StateList{});
    if (to == nullptr) return reject("internal: unnamed state");
    out.to = to;
    out.context = std::move(sm.ctx);
    out.commands = std::move(sm.commands);
    return out;
  } catch (const std::exception& e) {
    return reject(std::string("invalid payload: ") + e.what());
  } catch (...) {
    return reject("invalid payload");
  }
}

}  // namespace o2c::workflows::machine
