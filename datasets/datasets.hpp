// tapegrad::datasets: IDX files, MNIST, TensorDataset, DataLoader and transforms.
#pragma once
