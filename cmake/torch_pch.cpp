// Empty translation unit: the target that owns the shared <torch/torch.h> precompiled header.
