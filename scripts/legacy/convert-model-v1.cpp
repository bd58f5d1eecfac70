// Converts a robusthide model file of format 1 (LibTorch archive) to the current format and
// checks that every tensor of the result equals the original.
#include <torch/torch.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include "robusthide/model.h"

int main(int argc, char** argv) {
  using namespace robusthide;
  if (argc != 3) {
    std::cerr << "usage: convert IN OUT\n";
    return 2;
  }
  torch::serialize::InputArchive archive;
  archive.load_from(argv[1]);
  c10::IValue v;
  archive.read("format_version", v);
  if (v.toInt() != 1) {
    std::cerr << "not format 1\n";
    return 1;
  }
  archive.read("config", v);
  const ModelConfig config = model_config_from_json(v.toStringRef());
  archive.read("provenance", v);
  const std::string prov = v.toStringRef();
  Model m(config);
  for (auto [name, net] : {std::pair<const char*, torch::nn::Module*>{"encoder", m.encoder.get()},
                           {"decoder", m.decoder.get()},
                           {"discriminator", m.discriminator.get()}}) {
    torch::serialize::InputArchive sub;
    archive.read(name, sub);
    net->load(sub);
  }
  // Provenance fields from the JSON.
  auto j = nlohmann::json::parse(prov);
  m.provenance.attack = j.value("attack", "");
  m.provenance.steps = j.value("steps", 0);
  m.provenance.epochs = j.value("epochs", 0);
  m.provenance.data = j.value("data", "");
  m.provenance.seed = j.value("seed", uint64_t{0});
  m.provenance.commit = j.value("commit", "");
  m.provenance.created = j.value("created", "");
  m.provenance.notes = j.value("notes", "");
  m.provenance.device = j.value("device", "");
  save_model(m, argv[2]);
  Model back = load_model(argv[2]);
  int compared = 0;
  for (auto [a, b] :
       {std::pair<torch::nn::Module*, torch::nn::Module*>{m.encoder.get(), back.encoder.get()},
        {m.decoder.get(), back.decoder.get()},
        {m.discriminator.get(), back.discriminator.get()}}) {
    auto pa = a->named_parameters();
    auto pb = b->named_parameters();
    for (auto& p : pa) {
      if (!torch::equal(p.value(), pb[p.key()])) {
        std::cerr << "differs: " << p.key() << "\n";
        return 1;
      }
      ++compared;
    }
    auto ba = a->named_buffers();
    auto bb = b->named_buffers();
    for (auto& p : ba) {
      if (!torch::equal(p.value(), bb[p.key()])) {
        std::cerr << "differs: " << p.key() << "\n";
        return 1;
      }
      ++compared;
    }
  }
  if (!(back.provenance == m.provenance) || !(back.config == m.config)) {
    std::cerr << "metadata differs\n";
    return 1;
  }
  std::cout << "converted " << argv[1] << " -> " << argv[2] << ": " << compared
            << " tensors identical, config and provenance identical\n";
  return 0;
}
