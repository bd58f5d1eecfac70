// robusthide info: describe a model file, or a fresh network of a given configuration.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "batch.h"
#include "commands.h"
#include "model_flags.h"
#include "robusthide/hiding.h"
#include "robusthide/model.h"
#include "robusthide/text.h"

namespace robusthide::cli {
namespace {

struct InfoCommandOptions {
  std::string model;   // model file to describe; empty = a fresh network from the flags
  ModelConfig config;  // fresh-network configuration (default: the reference config)
  bool json = false;   // print one JSON object instead of text
};

struct NetInfo {
  const char* name;
  int64_t parameters;
  int64_t flops;
};

// 1234567 -> "1,234,567".
std::string grouped(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(i, ",");
  return s;
}

nlohmann::json config_json(const ModelConfig& c) { return nlohmann::json::parse(to_json(c)); }

nlohmann::json provenance_json(const Provenance& p) { return nlohmann::json::parse(to_json(p)); }

// The reference ("hidden", default blocks and channels) networks at this image size and
// message length: what the efficient architecture is compared with.
struct ReferenceCost {
  int64_t parameters = 0;  // encoder + decoder
  int64_t flops = 0;       // encoder + decoder, one image
};

ReferenceCost reference_cost(const ModelConfig& c) {
  ModelConfig r;
  r.image_size = c.image_size;
  r.message_bits = c.message_bits;
  const Model m(r);
  return {parameter_count(*m.encoder) + parameter_count(*m.decoder),
          m.encoder->flops() + m.decoder->flops()};
}

void print_text(const InfoCommandOptions& o, const Model& m, const std::vector<NetInfo>& nets) {
  const ModelConfig& c = m.config;
  auto row = [](const std::string& k, const std::string& v) {
    std::cout << k << std::string(k.size() < 31 ? 31 - k.size() : 1, ' ') << v << "\n";
  };
  if (o.model.empty()) {
    row("model", "(none: a fresh network of this configuration)");
  } else {
    struct stat st {};
    const bool have_size = ::stat(o.model.c_str(), &st) == 0;
    row("model", o.model + (have_size ? " (" + grouped(st.st_size) + " bytes)" : ""));
    row("format", "version " + std::to_string(kModelFormatVersion));
  }
  // The config, field by field as in the model file (model_config_fields()).
  std::cout << "\nconfig (" << c.summary() << ")\n";
  for (const ModelConfigField& f : model_config_fields())
    row("  " + std::string(f.key), field_text(f.read(c)));
  if (c.shaping.is_none())
    std::cout << "  (unshaped: the residual as the encoder makes it; docs/visibility.md)\n";

  std::cout << "\n";
  char line[160];
  const std::string flops_head = "GFLOPs/image at " + std::to_string(c.image_size) + "px";
  std::snprintf(line, sizeof line, "%-15s %12s  %s\n", "network", "parameters", flops_head.c_str());
  std::cout << line;
  int64_t total = 0;
  for (const auto& n : nets) {
    std::snprintf(line, sizeof line, "%-15s %12s  %s\n", n.name, grouped(n.parameters).c_str(),
                  format_fixed(n.flops / 1e9, 3).c_str());
    std::cout << line;
    total += n.parameters;
  }
  std::snprintf(line, sizeof line, "%-15s %12s\n", "total", grouped(total).c_str());
  std::cout << line;
  std::cout << "(FLOPs = 2 x multiply-accumulates of convolutions and linear layers)\n";
  if (c.architecture != "hidden") {
    const ReferenceCost ref = reference_cost(c);
    const int64_t flops = nets[0].flops + nets[1].flops;
    std::cout << "encoder+decoder: " << format_fixed(flops / 1e9, 3) << " GFLOPs, "
              << grouped(nets[0].parameters + nets[1].parameters)
              << " parameters; the reference architecture at this size and message length: "
              << format_fixed(ref.flops / 1e9, 3) << " GFLOPs ("
              << format_fixed(static_cast<double>(ref.flops) / flops, 1) << "x), "
              << grouped(ref.parameters) << " parameters\n";
  }

  if (!o.model.empty()) {
    const Provenance& p = m.provenance;
    std::cout << "\nprovenance\n";
    auto prow = [&row](const std::string& k, const std::string& v) {
      row("  " + k, v.empty() ? "-" : v);
    };
    prow("attack", p.attack);
    prow("steps", grouped(p.steps));
    prow("epochs", grouped(p.epochs));
    prow("data", p.data);
    prow("seed", std::to_string(p.seed));
    prow("commit", p.commit);
    prow("created", p.created);
    prow("notes", p.notes);
  }
}

// An image-hiding model file: its config, networks and provenance.
int run_hiding_info(const InfoCommandOptions& o) {
  const HidingModel m = load_hiding_model(o.model);
  const std::vector<NetInfo> nets = {
      {"hider", parameter_count(*m.hider), m.hider->flops()},
      {"revealer", parameter_count(*m.revealer), m.revealer->flops()}};
  if (o.json) {
    nlohmann::json j;
    j["model"] = o.model;
    j["kind"] = "hiding";
    j["format_version"] = kHidingFormatVersion;
    j["config"] = nlohmann::json::parse(to_json(m.config));
    j["provenance"] = provenance_json(m.provenance);
    for (const auto& n : nets)
      j["networks"][n.name] = {{"parameters", n.parameters}, {"flops", n.flops}};
    std::cout << json_text(j) << "\n";
    return kExitOk;
  }
  auto row = [](const std::string& k, const std::string& v) {
    std::cout << k << std::string(k.size() < 31 ? 31 - k.size() : 1, ' ') << v << "\n";
  };
  row("model",
      o.model + " (image hiding, format version " + std::to_string(kHidingFormatVersion) + ")");
  std::cout << "\nconfig (" << m.config.summary() << ")\n";
  for (const auto& f : hiding_config_fields())
    row("  " + std::string(f.key), field_text(f.read(m.config)));
  std::cout << "\nnetwork           parameters  GFLOPs/image at " << m.config.image_size << "px\n";
  for (const auto& n : nets) {
    char line[160];
    std::snprintf(line, sizeof line, "%-15s %12s  %s\n", n.name, grouped(n.parameters).c_str(),
                  format_fixed(n.flops / 1e9, 3).c_str());
    std::cout << line;
  }
  std::cout << "\nprovenance\n";
  row("  attack", m.provenance.attack.empty() ? "-" : m.provenance.attack);
  row("  steps", grouped(m.provenance.steps));
  row("  notes", m.provenance.notes.empty() ? "-" : m.provenance.notes);
  return kExitOk;
}

int run_info(const InfoCommandOptions& o) {
  if (!o.model.empty() && is_hiding_model_file(o.model)) return run_hiding_info(o);
  const Model model = o.model.empty() ? Model(o.config) : load_model(o.model);
  const std::vector<NetInfo> nets = {
      {"encoder", parameter_count(*model.encoder), model.encoder->flops()},
      {"decoder", parameter_count(*model.decoder), model.decoder->flops()},
      {"discriminator", parameter_count(*model.discriminator), model.discriminator->flops()}};
  if (!o.json) {
    print_text(o, model, nets);
    return kExitOk;
  }
  nlohmann::json j;
  j["model"] = o.model.empty() ? nlohmann::json() : nlohmann::json(o.model);
  j["format_version"] = o.model.empty() ? nlohmann::json() : nlohmann::json(kModelFormatVersion);
  j["config"] = config_json(model.config);
  j["provenance"] = o.model.empty() ? nlohmann::json() : provenance_json(model.provenance);
  int64_t total = 0;
  for (const auto& n : nets) {
    j["networks"][n.name] = {{"parameters", n.parameters}, {"flops", n.flops}};
    total += n.parameters;
  }
  j["total_parameters"] = total;
  const ReferenceCost ref = reference_cost(model.config);
  j["reference_encoder_decoder"] = {{"parameters", ref.parameters}, {"flops", ref.flops}};
  std::cout << json_text(j) << "\n";
  return kExitOk;
}

}  // namespace

void add_info_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<InfoCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "info",
      "Describe a model file (config, provenance, parameters, FLOPs), or, without MODEL, a "
      "fresh network of the configuration given by the flags (default: the reference config)");
  CLI::Option* model = sub->add_option("model", o->model, "model file written by robusthide train");
  const std::string group = "Fresh network (without MODEL)";
  for (const auto& [field, flag] : add_model_config_flags(sub, o->config, group, group))
    model->excludes(flag);
  sub->add_flag("--json", o->json, "print the description as JSON");
  sub->callback([o, &run] { run = [o] { return run_info(*o); }; });
}

}  // namespace robusthide::cli
