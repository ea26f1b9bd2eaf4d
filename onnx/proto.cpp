#include "proto.hpp"

#include <bit>
#include <cstring>

namespace tapegrad::onnx::proto {

static_assert(std::endian::native == std::endian::little, "raw_data and fixed32 are written as in memory");

namespace {
constexpr int kVarint = 0, kLengthDelimited = 2, kFixed32 = 5;

// AttributeProto.AttributeType values.
constexpr std::int64_t kAttrFloat = 1, kAttrInt = 2, kAttrInts = 7;
}  // namespace

void Message::raw_varint(std::uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void Message::key(int field, int wire_type) { raw_varint((static_cast<std::uint64_t>(field) << 3) | wire_type); }

Message& Message::varint(int field, std::uint64_t value) {
  key(field, kVarint);
  raw_varint(value);
  return *this;
}

Message& Message::float32(int field, float value) {
  key(field, kFixed32);
  char raw[4];
  std::memcpy(raw, &value, 4);
  bytes_.append(raw, 4);
  return *this;
}

Message& Message::bytes(int field, const std::string& value) {
  key(field, kLengthDelimited);
  raw_varint(value.size());
  bytes_ += value;
  return *this;
}

Message& Message::packed_int64s(int field, const std::vector<std::int64_t>& values) {
  Message packed;
  for (std::int64_t v : values) packed.raw_varint(static_cast<std::uint64_t>(v));
  return bytes(field, packed.bytes_);
}

// AttributeProto: name 1, f 2, i 3, ints 8, type 20.
Message attribute_int(const std::string& name, std::int64_t value) {
  return Message().bytes(1, name).int64(3, value).int64(20, kAttrInt);
}
Message attribute_ints(const std::string& name, const std::vector<std::int64_t>& values) {
  return Message().bytes(1, name).packed_int64s(8, values).int64(20, kAttrInts);
}
Message attribute_float(const std::string& name, float value) {
  return Message().bytes(1, name).float32(2, value).int64(20, kAttrFloat);
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
Message node(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
             const std::vector<std::string>& outputs, const std::vector<Message>& attributes) {
  Message m;
  for (const auto& in : inputs) m.bytes(1, in);
  for (const auto& out : outputs) m.bytes(2, out);
  m.bytes(3, name).bytes(4, op_type);
  for (const auto& a : attributes) m.message(5, a);
  return m;
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
Message tensor(const std::string& name, ElemType type, const std::vector<std::int64_t>& dims, const void* data,
               std::size_t byte_count) {
  return Message()
      .packed_int64s(1, dims)
      .int64(2, static_cast<std::int64_t>(type))
      .bytes(8, name)
      .bytes(9, std::string(static_cast<const char*>(data), byte_count));
}

// ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2:
// TensorShapeProto { dim 1: { dim_value 1 | dim_param 2 } } } } }.
Message value_info(const std::string& name, ElemType type, const std::vector<Dim>& shape) {
  Message dims;
  for (const Dim& d : shape) dims.message(1, d.param.empty() ? Message().int64(1, d.value) : Message().bytes(2, d.param));
  const Message tensor_type = Message().int64(1, static_cast<std::int64_t>(type)).message(2, dims);
  return Message().bytes(1, name).message(2, Message().message(1, tensor_type));
}

// GraphProto: node 1, name 2, initializer 5, input 11, output 12.
Message graph(const std::string& name, const std::vector<Message>& nodes, const std::vector<Message>& initializers,
              const std::vector<Message>& inputs, const std::vector<Message>& outputs) {
  Message g;
  for (const auto& n : nodes) g.message(1, n);
  g.bytes(2, name);
  for (const auto& t : initializers) g.message(5, t);
  for (const auto& i : inputs) g.message(11, i);
  for (const auto& o : outputs) g.message(12, o);
  return g;
}

// ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
// (OperatorSetIdProto: domain 1, version 2; the default domain is the empty string).
Message model(const Message& graph, std::int64_t opset, const std::string& producer_version) {
  // The IR version each opset was released with (onnx/helper.py's VERSION_TABLE).
  const std::int64_t ir_version = opset <= 9 ? 4 : opset == 10 ? 5 : opset == 11 ? 6 : opset <= 14 ? 7 : 8;
  return Message()
      .int64(1, ir_version)
      .bytes(2, "tapegrad")
      .bytes(3, producer_version)
      .message(7, graph)
      .message(8, Message().bytes(1, "").int64(2, opset));
}

}  // namespace tapegrad::onnx::proto
