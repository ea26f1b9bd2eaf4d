// Runs code on a std::thread of the test's own, pinned to one CPU, as a user's thread would be: the
// OpenMP tests turn dynamic mode on there. Pinned, a thread in dynamic mode gets one OpenMP thread
// per region on any machine (libgomp caps a region at the CPUs its thread may run on), so what
// dynamic mode breaks breaks everywhere, not only on a loaded machine.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace support {

// Runs body() on a new thread restricted to the first CPU this thread may use; returns when it is
// done. An exception from body (or from pinning) is rethrown here, on the caller's thread.
template <class F> void run_on_pinned_thread(F body) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      cpu_set_t allowed;
      CPU_ZERO(&allowed);
      if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) == 0)
        throw std::runtime_error("cannot read the thread's CPU affinity");
      int cpu = 0;
      while (!CPU_ISSET(cpu, &allowed)) ++cpu;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0)
        throw std::runtime_error("cannot pin the thread to CPU " + std::to_string(cpu));
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace support
