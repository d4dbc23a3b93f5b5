// The NCCL paths that need no GPU: a missing libnccl is reported naming the
// library, and a collective instruction on a backend without a communicator
// names the op instead of running.
#include "cuda/CudaApi.h"
#include "cuda/Ops.h"
#include "io/Error.h"

#include <gtest/gtest.h>

namespace g4 {
namespace {

TEST(NcclHost, MissingLibraryNamesIt) {
  try {
    rt::cuda::loadNccl("libnccl-g4-missing.so.2");
    FAIL() << "a missing library loaded";
  } catch (const Error &e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("NCCL not found: libnccl-g4-missing.so.2"), std::string::npos) << message;
    EXPECT_NE(message.find("tensor-parallel plans on the CUDA backend need libnccl-g4-missing.so.2"), std::string::npos)
        << message;
  }
}

TEST(NcclHost, CollectiveWithoutCommunicatorNamesTheOp) {
  for (plan::Op op : {plan::Op::AllReduce, plan::Op::AllGather}) {
    flatbuffers::FlatBufferBuilder fbb;
    const std::vector<uint32_t> ins = {0}, outs = {1};
    const flatbuffers::Offset<void> table =
        op == plan::Op::AllReduce ? plan::CreateAllReduce(fbb).Union() : plan::CreateAllGather(fbb).Union();
    fbb.Finish(plan::CreateInstructionDirect(fbb, op, table, &ins, &outs));
    rt::cuda::BoundInstruction b;
    b.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
    b.in = {0x1000};
    b.out = {0x2000};
    b.inWidth = {8};
    b.outWidth = {8};
    try {
      rt::cuda::runInstruction(rt::cuda::OpEnv{}, b, 3);
      FAIL() << plan::EnumNameOp(op) << " ran without a communicator";
    } catch (const Error &e) {
      EXPECT_EQ(std::string(e.what()), std::string(plan::EnumNameOp(op)) +
                                           " runs between the ranks of a tensor-parallel plan, but this CUDA "
                                           "backend has no NCCL communicator");
    }
  }
}

} // namespace
} // namespace g4
