// The one file container of model files and checkpoints: named texts and tensors behind
// a checksummed header, written and read by robusthide itself. (LibTorch's archives run
// TorchScript's type parser on load, which a crafted file crashes: docs/reliability.md.)
//
// Layout, little-endian: 8-byte magic, uint32 format version, uint32 zero, uint64 payload
// size, uint64 FNV-1a 64 of the payload; then the payload, a sequence of entries:
//   uint16 name length, name (1..1024 bytes), uint8 type
//   type 1 (text):   uint64 length, bytes
//   type 2 (tensor): uint8 dtype (1 float32, 2 float64, 3 int64, 4 uint8), uint8 dims
//                    (0..8), int64 sizes[dims] (each >= 0), the elements (row-major)
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace robusthide {

// The header's checksum of a payload (FNV-1a 64 with the format's own offset basis).
uint64_t archive_checksum(const uint8_t* payload, size_t size);

class ArchiveWriter {
 public:
  void add_text(const std::string& name, const std::string& text);
  // A CPU, contiguous copy of `tensor` (float32, float64, int64 or uint8).
  void add_tensor(const std::string& name, const torch::Tensor& tensor);
  // The whole file: header + payload.
  std::vector<uint8_t> finish(const char (&magic)[8], uint32_t version) const;

 private:
  void add_name(const std::string& name, uint8_t type);
  std::vector<uint8_t> payload_;
};

class ArchiveReader {
 public:
  // Checks the magic, the version (exactly `version`), the size and the checksum, then
  // parses every entry. Throws std::runtime_error with the reason ("truncated or padded
  // file", "corrupt file (checksum mismatch)", "not a ... file", "unsupported format
  // version 3 (this build reads version 2)", "entry 'x' ...").
  ArchiveReader(const std::vector<uint8_t>& bytes, const char (&magic)[8], uint32_t version,
                const std::string& kind);

  bool has(const std::string& name) const;
  // Throws std::runtime_error when the entry is missing or of the other type.
  const std::string& text(const std::string& name) const;
  const torch::Tensor& tensor(const std::string& name) const;
  // Every tensor whose name starts with `prefix`, by the rest of its name.
  std::map<std::string, torch::Tensor> tensors_under(const std::string& prefix) const;

 private:
  std::map<std::string, std::string> texts_;
  std::map<std::string, torch::Tensor> tensors_;
};

// Why an archive's content cannot be loaded, without the file's name (the loader adds it).
struct LoadFailure {
  std::string reason;
};

// Builds an archive with `fill` and writes it atomically to `path` (temporary file +
// rename). Every failure becomes IoError "cannot save KIND 'PATH': REASON" and leaves no
// file.
void save_archive_file(const std::string& path, const char (&magic)[8], uint32_t version,
                       const std::string& kind, const std::function<void(ArchiveWriter&)>& fill);

// Reads the archive file `path` of the given kind ("model", "checkpoint") and hands it to
// `parse`. Every failure (no such file, a folder, unreadable, not a valid archive, or a
// LoadFailure, torch, allocation or other std::exception thrown by `parse`) becomes
// IoError "cannot load KIND 'PATH': REASON".
void load_archive_file(const std::string& path, const char (&magic)[8], uint32_t version,
                       const std::string& kind, const std::function<void(ArchiveReader&&)>& parse);

}  // namespace robusthide
