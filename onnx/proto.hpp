// The few ONNX messages an exported model needs, written in the protobuf wire format by hand (no
// libprotobuf / libonnx dependency). Field numbers are onnx.proto's (ONNX 1.12); every message is
// built bottom-up as bytes, so a message is just the concatenation of its encoded fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tapegrad::onnx::proto {

// TensorProto.DataType values used here.
enum class ElemType : std::int32_t { kFloat = 1, kInt64 = 7, kDouble = 11 };

// A protobuf message under construction: append fields, then take bytes().
class Message {
 public:
  Message& varint(int field, std::uint64_t value);
  Message& int64(int field, std::int64_t value) { return varint(field, static_cast<std::uint64_t>(value)); }
  Message& float32(int field, float value);           // wire type 5 (fixed32)
  Message& bytes(int field, const std::string& value);  // wire type 2 (strings, bytes, sub-messages)
  Message& message(int field, const Message& sub) { return bytes(field, sub.bytes()); }
  Message& packed_int64s(int field, const std::vector<std::int64_t>& values);
  const std::string& bytes() const { return bytes_; }

 private:
  void key(int field, int wire_type);
  void raw_varint(std::uint64_t value);
  std::string bytes_;
};

// AttributeProto of each kind a mapping uses.
Message attribute_int(const std::string& name, std::int64_t value);
Message attribute_ints(const std::string& name, const std::vector<std::int64_t>& values);
Message attribute_float(const std::string& name, float value);

// NodeProto: op_type on inputs (value names) giving outputs, with attributes.
Message node(const std::string& op_type, const std::string& name, const std::vector<std::string>& inputs,
             const std::vector<std::string>& outputs, const std::vector<Message>& attributes = {});

// TensorProto with raw little-endian data (an initializer).
Message tensor(const std::string& name, ElemType type, const std::vector<std::int64_t>& dims, const void* data,
               std::size_t byte_count);

// ValueInfoProto of a tensor; a dimension given as a name (dim_param) is symbolic ("batch").
struct Dim {
  std::int64_t value = 0;
  std::string param;  // non-empty: a symbolic dimension
};
Message value_info(const std::string& name, ElemType type, const std::vector<Dim>& shape);

// GraphProto and ModelProto.
Message graph(const std::string& name, const std::vector<Message>& nodes, const std::vector<Message>& initializers,
              const std::vector<Message>& inputs, const std::vector<Message>& outputs);
Message model(const Message& graph, std::int64_t opset, const std::string& producer_version);

}  // namespace tapegrad::onnx::proto
