// Every kernel body; the translation unit gemma4c hands to NVRTC includes
// this and names the instances a plan needs (KernelSet).
#pragma once

#include "Attention.cuh"
#include "AttentionMma.cuh"
#include "AttentionPrologue.cuh"
#include "DummyFill.cuh"
#include "Elementwise.cuh"
#include "Embed.cuh"
#include "Gemv.cuh"
#include "HalfOperands.cuh"
#include "KvWrite.cuh"
#include "MoeExperts.cuh"
#include "MoeRouter.cuh"
#include "RmsNorm.cuh"
#include "Rope.cuh"
#include "Sampling.cuh"
#include "SplitMma.cuh"
#include "SplitWgmma.cuh"
#include "TopKTopP.cuh"
