#include "op_attributes.hpp"

#include <sstream>

namespace tapegrad::autograd {

namespace {

std::string list(const std::vector<std::int64_t>& v) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

struct Describe {
  std::ostringstream s;
  void operator()(const NoAttributes&) {}
  void operator()(const DimAttributes& a) { s << "dim=" << a.dim << (a.keepdim ? ", keepdim=true" : ""); }
  void operator()(const DimsAttributes& a) {
    s << "dims=" << (a.dims.empty() ? "all" : list(a.dims)) << (a.keepdim ? ", keepdim=true" : "");
  }
  void operator()(const ScalarAttributes& a) { s << "value=" << a.value; }
  void operator()(const ClampAttributes& a) {
    s << "min=";
    if (a.min) s << *a.min; else s << "None";
    s << ", max=";
    if (a.max) s << *a.max; else s << "None";
  }
  void operator()(const ViewAttributes& a) {
    s << "size=" << list(a.size) << ", stride=" << list(a.stride) << ", storage_offset=" << a.storage_offset;
  }
  void operator()(const DtypeAttributes& a) { s << "from=" << dtype_name(a.from) << ", to=" << dtype_name(a.to); }
  void operator()(const PadAttributes& a) { s << "pad=" << list(a.pads) << ", value=" << a.value; }
  void operator()(const LossAttributes& a) {
    s << "reduction=" << reduction_name(a.reduction) << ", ignore_index=" << a.ignore_index
      << ", label_smoothing=" << a.label_smoothing;
  }
  void operator()(const Conv2dParams& a) {
    s << "stride=" << list(a.stride()) << ", padding=" << list(a.padding()) << ", dilation=" << list(a.dilation())
      << ", groups=" << a.groups();
  }
  void operator()(const Pool2dParams& a) {
    s << "kernel_size=" << list(a.kernel_size()) << ", stride=" << list(a.stride()) << ", padding="
      << list(a.padding()) << ", dilation=" << list(a.dilation()) << ", ceil_mode=" << (a.ceil_mode() ? "true" : "false");
  }
};

}  // namespace

std::string describe(const OpAttributes& attributes) {
  Describe d;
  std::visit(d, attributes);
  return d.s.str();
}

}  // namespace tapegrad::autograd
