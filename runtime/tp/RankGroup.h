// What TensorParallelBackend needs of its ranks' collectives when one rank
// fails mid-step: the others must stop waiting for it.
#pragma once

namespace g4::rt {

class RankGroup {
public:
  virtual ~RankGroup() = default;

  // Makes every rank's waiting and later collectives fail instead of hang.
  virtual void abort() = 0;
  // Called once every rank has left an aborted step, before the next one.
  virtual void reset() = 0;
};

} // namespace g4::rt
