// The NCCL functions the runtime calls, loaded from libnccl.so.2 (CudaApi.h
// declares their types). G4_NCCL_SYMBOL(result, name, parameters) is defined
// by the includer.
G4_NCCL_SYMBOL(ncclResult_t, ncclGetVersion, (int *version))
G4_NCCL_SYMBOL(const char *, ncclGetErrorString, (ncclResult_t result))
G4_NCCL_SYMBOL(ncclResult_t, ncclCommInitAll, (ncclComm_t * comms, int count, const int *devices))
G4_NCCL_SYMBOL(ncclResult_t, ncclCommDestroy, (ncclComm_t comm))
G4_NCCL_SYMBOL(ncclResult_t, ncclCommAbort, (ncclComm_t comm))
G4_NCCL_SYMBOL(ncclResult_t, ncclAllReduce,
               (const void *send, void *receive, size_t count, ncclDataType_t type, ncclRedOp_t op, ncclComm_t comm,
                CUstream stream))
G4_NCCL_SYMBOL(ncclResult_t, ncclAllGather,
               (const void *send, void *receive, size_t sendCount, ncclDataType_t type, ncclComm_t comm,
                CUstream stream))
