#include "util/archive.h"

#include <sys/stat.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "robusthide/error.h"
#include "robusthide/file_io.h"
#include "util/hash.h"

namespace robusthide {
namespace {

constexpr size_t kHeaderSize = 32;
constexpr size_t kMaxNameLength = 1024;
// The checksum's FNV-1a offset basis: not FNV's standard one (a digit short of it) since
// the first model file was written; every file since depends on it, so it stays.
constexpr uint64_t kChecksumBasis = 1469598103934665603ULL;
constexpr int kMaxDims = 8;
constexpr uint8_t kText = 1, kTensor = 2;

void put(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t get(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

uint8_t dtype_code(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return 1;
    case torch::kFloat64:
      return 2;
    case torch::kInt64:
      return 3;
    case torch::kUInt8:
      return 4;
    default:
      throw std::runtime_error(std::string("cannot store a tensor of type ") + c10::toString(t));
  }
}

// Bounds-checked reading of the payload.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ == end_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  uint64_t number(int bytes, const std::string& what) {
    need(static_cast<size_t>(bytes), what);
    const uint64_t v = get(p_, bytes);
    p_ += bytes;
    return v;
  }
  const uint8_t* bytes(size_t n, const std::string& what) {
    need(n, what);
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

 private:
  void need(size_t n, const std::string& what) const {
    if (n > left()) throw std::runtime_error("truncated entry (" + what + ")");
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

uint64_t archive_checksum(const uint8_t* payload, size_t size) {
  return detail::fnv1a64(payload, size, kChecksumBasis);
}

void ArchiveWriter::add_name(const std::string& name, uint8_t type) {
  if (name.empty() || name.size() > kMaxNameLength)
    throw std::runtime_error("bad entry name '" + name + "'");
  put(payload_, name.size(), 2);
  payload_.insert(payload_.end(), name.begin(), name.end());
  payload_.push_back(type);
}

void ArchiveWriter::add_text(const std::string& name, const std::string& text) {
  add_name(name, kText);
  put(payload_, text.size(), 8);
  payload_.insert(payload_.end(), text.begin(), text.end());
}

void ArchiveWriter::add_tensor(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  if (t.dim() > kMaxDims) throw std::runtime_error("tensor '" + name + "' has too many dimensions");
  const uint8_t code = dtype_code(t.scalar_type());
  add_name(name, kTensor);
  payload_.push_back(code);
  payload_.push_back(static_cast<uint8_t>(t.dim()));
  for (const int64_t d : t.sizes()) put(payload_, static_cast<uint64_t>(d), 8);
  const auto* p = static_cast<const uint8_t*>(t.data_ptr());
  payload_.insert(payload_.end(), p, p + t.numel() * t.element_size());
}

std::vector<uint8_t> ArchiveWriter::finish(const char (&magic)[8], uint32_t version) const {
  std::vector<uint8_t> out(magic, magic + 8);
  put(out, version, 4);
  put(out, 0, 4);
  put(out, payload_.size(), 8);
  put(out, archive_checksum(payload_.data(), payload_.size()), 8);
  out.insert(out.end(), payload_.begin(), payload_.end());
  return out;
}

ArchiveReader::ArchiveReader(const std::vector<uint8_t>& bytes, const char (&magic)[8],
                             uint32_t version, const std::string& kind) {
  if (bytes.empty()) throw std::runtime_error("empty file");
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), magic, 8) != 0) {
    const bool zip = bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] == 'K';
    // The other kinds of robusthide file, named so that a file given to the wrong command
    // says what it is.
    static const std::pair<const char*, const char*> kKinds[] = {
        {"RHIDEMDL", "a bit model (for embed, extract and evaluate)"},
        {"RHIDEHID", "an image-hiding model (for hide, reveal and evaluate)"},
        {"RHIDECKP", "a training checkpoint (resume it with --resume; the model is OUT/model.pt)"},
    };
    std::string other;
    for (const auto& [m, what] : kKinds) {
      if (bytes.size() >= 8 && std::memcmp(bytes.data(), m, 8) == 0) other = what;
    }
    throw std::runtime_error(
        "not a robusthide " + kind + " file" +
        (!other.empty() ? " (it is " + other + ")"
         : zip          ? std::string(" (a zip/LibTorch archive: files of format version 1 "
                                               "are no longer read)")
                        : std::string()));
  }
  const uint64_t stored_version = get(bytes.data() + 8, 4);
  if (stored_version != version) {
    throw std::runtime_error("unsupported format version " + std::to_string(stored_version) +
                             " (this build reads version " + std::to_string(version) + ")");
  }
  const uint64_t size = get(bytes.data() + 16, 8);
  if (size != bytes.size() - kHeaderSize) {
    throw std::runtime_error("truncated or padded file (" +
                             std::to_string(bytes.size() - kHeaderSize) +
                             " payload bytes, header says " + std::to_string(size) + ")");
  }
  if (archive_checksum(bytes.data() + kHeaderSize, size) != get(bytes.data() + 24, 8)) {
    throw std::runtime_error("corrupt file (checksum mismatch)");
  }
  Cursor c(bytes.data() + kHeaderSize, size);
  while (!c.done()) {
    const size_t name_length = c.number(2, "name length");
    if (name_length == 0 || name_length > kMaxNameLength)
      throw std::runtime_error("bad entry name length");
    const uint8_t* name_bytes = c.bytes(name_length, "name");
    const std::string name(reinterpret_cast<const char*>(name_bytes), name_length);
    if (texts_.count(name) || tensors_.count(name))
      throw std::runtime_error("entry '" + name + "' appears twice");
    const uint64_t type = c.number(1, name);
    if (type == kText) {
      const uint64_t length = c.number(8, name);
      if (length > c.left()) throw std::runtime_error("truncated entry (" + name + ")");
      const uint8_t* text = c.bytes(static_cast<size_t>(length), name);
      texts_[name] = std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(length));
    } else if (type == kTensor) {
      const uint64_t code = c.number(1, name);
      const uint64_t dims = c.number(1, name);
      torch::ScalarType dtype;
      switch (code) {
        case 1:
          dtype = torch::kFloat32;
          break;
        case 2:
          dtype = torch::kFloat64;
          break;
        case 3:
          dtype = torch::kInt64;
          break;
        case 4:
          dtype = torch::kUInt8;
          break;
        default:
          throw std::runtime_error("entry '" + name + "' has an unknown tensor type");
      }
      if (dims > kMaxDims) throw std::runtime_error("entry '" + name + "' has too many dimensions");
      std::vector<int64_t> sizes;
      uint64_t count = 1;
      const uint64_t element = c10::elementSize(dtype);
      for (uint64_t d = 0; d < dims; ++d) {
        const uint64_t s = c.number(8, name);
        // Every element must be in the file: this bounds the product without overflow.
        if (s > c.left() || (s != 0 && count > c.left() / s)) {
          throw std::runtime_error("entry '" + name + "' is larger than the file");
        }
        count *= s;
        sizes.push_back(static_cast<int64_t>(s));
      }
      if (count > c.left() / element) throw std::runtime_error("truncated entry (" + name + ")");
      const uint8_t* data = c.bytes(static_cast<size_t>(count * element), name);
      torch::Tensor t = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
      if (count > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(count * element));
      tensors_[name] = t;
    } else {
      throw std::runtime_error("entry '" + name + "' has an unknown type");
    }
  }
}

bool ArchiveReader::has(const std::string& name) const {
  return texts_.count(name) || tensors_.count(name);
}

const std::string& ArchiveReader::text(const std::string& name) const {
  const auto it = texts_.find(name);
  if (it == texts_.end()) throw std::runtime_error("no '" + name + "' entry");
  return it->second;
}

const torch::Tensor& ArchiveReader::tensor(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) throw std::runtime_error("no '" + name + "' tensor");
  return it->second;
}

std::map<std::string, torch::Tensor> ArchiveReader::tensors_under(const std::string& prefix) const {
  std::map<std::string, torch::Tensor> out;
  for (auto it = tensors_.lower_bound(prefix);
       it != tensors_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    out[it->first.substr(prefix.size())] = it->second;
  }
  return out;
}

void save_archive_file(const std::string& path, const char (&magic)[8], uint32_t version,
                       const std::string& kind, const std::function<void(ArchiveWriter&)>& fill) {
  std::vector<uint8_t> bytes;
  try {
    ArchiveWriter archive;
    fill(archive);
    bytes = archive.finish(magic, version);
  } catch (const std::exception& e) {
    throw IoError("cannot save " + kind + " '" + path + "': " + e.what());
  }
  write_file_atomic(path, bytes.data(), bytes.size());
}

void load_archive_file(const std::string& path, const char (&magic)[8], uint32_t version,
                       const std::string& kind, const std::function<void(ArchiveReader&&)>& parse) {
  auto fail = [&](const std::string& reason) {
    return IoError("cannot load " + kind + " '" + path +
                   "': " + (reason.empty() ? "unreadable (no detail)" : reason));
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw fail("no such file");
  if (S_ISDIR(st.st_mode)) throw fail("is a directory");
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file(path);
  } catch (const IoError& e) {
    throw fail(e.what());
  }
  try {
    parse(ArchiveReader(bytes, magic, version, kind));
  } catch (const LoadFailure& e) {
    throw fail(e.reason);
  } catch (const std::bad_alloc&) {
    throw fail("out of memory");
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw fail(what.substr(0, what.find('\n')));
  } catch (const std::exception& e) {
    throw fail(e.what());
  }
}

}  // namespace robusthide
