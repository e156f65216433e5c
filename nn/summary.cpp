// Module::summary: a Keras-like model table from one forward pass.
//
// A forward hook records each layer's output shape as the pass runs, so the table shows real
// shapes (whatever forward() does) rather than shapes inferred from the layers' settings. The pass
// runs in eval mode and without recording, so it changes nothing: BatchNorm's running statistics
// stay put and Dropout draws no mask; the training flags are restored afterwards.
#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "autograd/tape.h"
#include "nn/module.h"

namespace minidl::nn {
namespace {

// 1234567 -> "1,234,567"
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// Keras' size note: bytes in B, KB or MB (powers of 1024), two decimals.
std::string bytes_str(std::int64_t bytes) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(2);
  if (bytes < 1024)
    os << bytes << " B";
  else if (bytes < 1024 * 1024)
    os << bytes / 1024.0 << " KB";
  else
    os << bytes / (1024.0 * 1024.0) << " MB";
  return os.str();
}

std::string shape_cell(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

struct Row {
  std::string layer, shape, params;
};

}  // namespace

std::string Module::summary(const Shape& input_shape, std::optional<DType> input_dtype) {
  std::unordered_map<const Module*, std::string> names;
  for (auto& [name, m] : named_modules()) names.emplace(m, name);
  DType dtype = kFloat32;
  for (auto& [name, v] : all_slots(true, true)) {
    if (is_floating(v->dtype())) {
      dtype = v->dtype();
      break;
    }
  }
  if (input_dtype) dtype = *input_dtype;

  std::vector<Row> rows;
  Variable output;
  {
    // Puts the training flags back even when the forward pass throws.
    struct ModeRestorer {
      std::vector<std::pair<Module*, bool>> saved;
      ~ModeRestorer() {
        for (auto& [m, on] : saved) m->training_ = on;
      }
    } restore_modes;
    for (auto& [name, m] : named_modules()) restore_modes.saved.emplace_back(m, m->training_);
    eval();
    // A row for every call of a leaf layer, and of any container with parameters of its own.
    ForwardHook previous = set_forward_hook([&](Module& m, const Variable& out) {
      if (!m.children_.empty() && m.params_.empty() && m.buffers_.empty()) return;
      auto it = names.find(&m);
      std::string name = it == names.end() ? std::string("?") : it->second;
      std::int64_t own = 0;
      for (const auto& s : m.params_) own += s.var.numel();
      rows.push_back({name.empty() ? m.type_name_ : name + " (" + m.type_name_ + ")",
                      shape_cell(out.shape()), with_commas(own)});
    });
    struct HookRestorer {
      ForwardHook& previous;
      ~HookRestorer() { set_forward_hook(std::move(previous)); }
    } restore_hook{previous};
    NoGradGuard no_grad;
    output = (*this)(Variable(zeros(input_shape, dtype)));
  }

  std::int64_t total = 0, trainable = 0, total_bytes = 0, trainable_bytes = 0;
  for (auto& [name, v] : named_parameters()) {
    std::int64_t bytes = v.numel() * static_cast<std::int64_t>(dtype_size(v.dtype()));
    total += v.numel();
    total_bytes += bytes;
    if (v.requires_grad()) {
      trainable += v.numel();
      trainable_bytes += bytes;
    }
  }
  std::int64_t buffer_values = 0, buffer_bytes = 0;
  for (auto& [name, t] : named_buffers()) {
    buffer_values += t.numel();
    buffer_bytes += static_cast<std::int64_t>(t.nbytes());
  }

  Row header{"Layer (type)", "Output Shape", "Param #"};
  std::size_t w0 = header.layer.size(), w1 = header.shape.size(), w2 = header.params.size();
  for (const auto& r : rows) {
    w0 = std::max(w0, r.layer.size());
    w1 = std::max(w1, r.shape.size());
    w2 = std::max(w2, r.params.size());
  }
  const std::size_t gap = 3, width = w0 + w1 + w2 + 2 * gap;
  auto line = [&](const Row& r) {
    std::string s = r.layer + std::string(w0 - r.layer.size() + gap, ' ') + r.shape +
                    std::string(w1 - r.shape.size() + gap, ' ') +
                    std::string(w2 - r.params.size(), ' ') + r.params;
    return s + "\n";
  };
  std::ostringstream os;
  os << "Model: \"" << type_name_ << "\"\n";
  os << "Input: " << shape_cell(input_shape) << " " << dtype_name(dtype) << "\n";
  os << std::string(width, '=') << "\n" << line(header) << std::string(width, '=') << "\n";
  for (const auto& r : rows) os << line(r);
  os << std::string(width, '=') << "\n";
  os << "Output: " << shape_cell(output.shape()) << "\n";
  os << "Total params: " << with_commas(total) << " (" << bytes_str(total_bytes) << ")\n";
  os << "Trainable params: " << with_commas(trainable) << " (" << bytes_str(trainable_bytes)
     << ")\n";
  os << "Non-trainable params: " << with_commas(total - trainable) << " ("
     << bytes_str(total_bytes - trainable_bytes) << ")\n";
  os << "Buffers: " << with_commas(buffer_values) << " values (" << bytes_str(buffer_bytes)
     << ", e.g. running statistics; saved with the weights, not trained)\n";
  return os.str();
}

}  // namespace minidl::nn
