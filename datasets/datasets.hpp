// tapegrad::datasets: IDX files, MNIST, TensorDataset, DataLoader and transforms.
#pragma once

#include "dataloader.hpp"
#include "dataset.hpp"
#include "idx.hpp"
#include "mnist.hpp"
#include "sampler.hpp"
#include "tensor_dataset.hpp"
#include "transforms.hpp"
