// margin_ranking_loss and cosine_embedding_loss, composed of core ops.
#include <cmath>

#include "../functional.hpp"
#include "composed_loss.hpp"

namespace tapegrad::nn::functional {

using detail::scalar_of;

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options) {
  if (!input1.defined() || !input2.defined() || !target.defined())
    throw std::invalid_argument("margin_ranking_loss: input1, input2 and target must be defined");
  if (input1.dim() != input2.dim() || input1.dim() != target.dim())
    throw std::invalid_argument("margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: " +
                                shape_str(input1.shape()) + ", input2: " + shape_str(input2.shape()) +
                                ", target: " + shape_str(target.shape()));
  detail::check_loss_dtype("margin_ranking_loss", "input2", input2, input1);
  detail::check_loss_dtype("margin_ranking_loss", "target", target, input1);
  // max(0, -y·(x1 - x2) + margin)
  const Tensor losses = clamp(add(neg(mul(target, sub(input1, input2))), options.margin()), 0.0, std::nullopt);
  return detail::apply_reduction(losses, options.reduction());
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options) {
  if (!input1.defined() || !input2.defined() || !target.defined())
    throw std::invalid_argument("cosine_embedding_loss: input1, input2 and target must be defined");
  const std::int64_t targ_dim = target.dim();
  if (targ_dim > 1) throw std::invalid_argument("0D or 1D target tensor expected, multi-target not supported");
  if (input1.dim() != targ_dim + 1 || input2.dim() != targ_dim + 1)
    throw std::invalid_argument(std::string(targ_dim == 1 ? "1D target tensor expects 2D input tensors"
                                                          : "0D target tensor expects 1D input tensors") +
                                ", but found inputs with sizes " + shape_str(input1.shape()) + " and " +
                                shape_str(input2.shape()) + ".");
  detail::check_loss_dtype("cosine_embedding_loss", "input2", input2, input1);
  detail::check_loss_dtype("cosine_embedding_loss", "target", target, input1);
  constexpr double kEpsilon = 1e-12;  // PyTorch's: keeps a zero vector's cosine finite
  const Tensor prod = sum(mul(input1, input2), {targ_dim});
  const Tensor mag1 = add(sum(mul(input1, input1), {targ_dim}), kEpsilon);
  const Tensor mag2 = add(sum(mul(input2, input2), {targ_dim}), kEpsilon);
  const Tensor cos = div(prod, sqrt(mul(mag1, mag2)));
  const Tensor zero = scalar_of(cos, 0);
  const Tensor pos = where(eq(target, scalar_of(target, 1)), rsub(1.0, cos), zero);
  const Tensor neg_part = where(eq(target, scalar_of(target, -1)), clamp(sub(cos, options.margin()), 0.0, std::nullopt), zero);
  return detail::apply_reduction(add(pos, neg_part), options.reduction());
}

}  // namespace tapegrad::nn::functional
