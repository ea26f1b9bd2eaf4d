// Saving and loading a module's parameters (safetensors format).
#pragma once
