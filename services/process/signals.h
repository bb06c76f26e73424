// How an Annals process ends: on SIGINT or SIGTERM, after finishing what it is doing.
#pragma once

namespace annals {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later. Call
// first thing in main, before any thread exists.
void block_termination_signals();

// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_termination();

}  // namespace annals
