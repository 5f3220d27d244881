#include "common/rsync_delta.h"

#include <librsync.h>

#include <cmath>
#include <memory>

namespace tessera::common::rsync {

namespace {

struct JobFree {
  void operator()(rs_job_t* job) const { rs_job_free(job); }
};
using JobPtr = std::unique_ptr<rs_job_t, JobFree>;

struct SumsetFree {
  void operator()(rs_signature_t* sig) const { rs_free_sumset(sig); }
};
using SumsetPtr = std::unique_ptr<rs_signature_t, SumsetFree>;

constexpr size_t kOutChunkBytes = 64 << 10;

// Runs `job` over all of `in` (then end of input), appending what it writes to `out` (when not
// null). ResourceExhausted once `out` would pass `max_out_bytes`. A job that neither consumes
// nor produces anything while blocked is stuck on a truncated input: InvalidArgument, so a
// hostile stream can never spin.
Status Drive(rs_job_t* job, std::string_view in, uint64_t max_out_bytes, std::string* out,
             std::string_view what) {
  std::string chunk(kOutChunkBytes, '\0');
  rs_buffers_t buffers{};
  buffers.next_in = const_cast<char*>(in.data());  // librsync never writes through next_in
  buffers.avail_in = in.size();
  buffers.eof_in = 1;
  for (;;) {
    buffers.next_out = chunk.data();
    buffers.avail_out = chunk.size();
    const size_t in_before = buffers.avail_in;
    const rs_result r = rs_job_iter(job, &buffers);
    const size_t produced = chunk.size() - buffers.avail_out;
    if (out != nullptr) {
      if (out->size() + produced > max_out_bytes) {
        return ResourceExhausted(std::string(what) + ": output exceeds " +
                                 std::to_string(max_out_bytes) + " bytes");
      }
      out->append(chunk.data(), produced);
    }
    if (r == RS_DONE) return Status::Ok();
    if (r == RS_BLOCKED) {
      if (produced == 0 && buffers.avail_in == in_before) {
        return InvalidArgument(std::string(what) + ": truncated input");
      }
      continue;
    }
    return InvalidArgument(std::string(what) + ": " + rs_strerror(r));
  }
}

// Copies from the base for Patch, strictly inside its bounds.
rs_result CopyFromBase(void* opaque, rs_long_t pos, size_t* len, void** buf) {
  const auto* base = static_cast<const std::string_view*>(opaque);
  if (pos < 0 || static_cast<uint64_t>(pos) >= base->size() || *len == 0) return RS_CORRUPT;
  const size_t available = base->size() - static_cast<size_t>(pos);
  if (*len > available) *len = available;        // > 0: the job asks again for the rest, then fails
  *buf = const_cast<char*>(base->data() + pos);  // librsync only reads from it
  return RS_DONE;
}

}  // namespace

size_t ChooseBlockLen(uint64_t base_bytes) {
  const auto root = static_cast<size_t>(std::sqrt(static_cast<double>(base_bytes)) / 2);
  if (root < kMinBlockLen) return kMinBlockLen;
  if (root > kMaxBlockLen) return kMaxBlockLen;
  return root;
}

Result<std::string> Signature(std::string_view base, size_t block_len) {
  if (block_len == 0) block_len = ChooseBlockLen(base.size());
  if (block_len > (16u << 20)) return InvalidArgument("rsync signature: block length too large");
  JobPtr job(rs_sig_begin(block_len, kStrongSumBytes, RS_BLAKE2_SIG_MAGIC));
  if (!job) return InvalidArgument("rsync signature: bad arguments");
  std::string out;
  TESSERA_RETURN_IF_ERROR(Drive(job.get(), base, UINT64_MAX, &out, "rsync signature"));
  return out;
}

Result<std::string> Delta(std::string_view signature, std::string_view target) {
  rs_signature_t* raw_sig = nullptr;
  Status loaded;
  {
    JobPtr load(rs_loadsig_begin(&raw_sig));
    if (!load) return InvalidArgument("rsync delta: cannot start loading the signature");
    loaded = Drive(load.get(), signature, 0, nullptr, "rsync signature load");
  }
  SumsetPtr sig(raw_sig);
  TESSERA_RETURN_IF_ERROR(loaded);
  if (!sig) return InvalidArgument("rsync delta: empty signature");
  if (const rs_result r = rs_build_hash_table(sig.get()); r != RS_DONE) {
    return InvalidArgument(std::string("rsync delta: signature index: ") + rs_strerror(r));
  }
  JobPtr job(rs_delta_begin(sig.get()));
  if (!job) return InvalidArgument("rsync delta: cannot start");
  std::string out;
  TESSERA_RETURN_IF_ERROR(Drive(job.get(), target, UINT64_MAX, &out, "rsync delta"));
  return out;
}

Result<std::string> MakeDelta(std::string_view base, std::string_view target) {
  TESSERA_ASSIGN_OR_RETURN(const std::string sig, Signature(base));
  return Delta(sig, target);
}

Result<std::string> Patch(std::string_view base, std::string_view delta, uint64_t max_out_bytes) {
  std::string_view base_view = base;
  JobPtr job(rs_patch_begin(&CopyFromBase, &base_view));
  if (!job) return InvalidArgument("rsync patch: cannot start");
  std::string out;
  TESSERA_RETURN_IF_ERROR(Drive(job.get(), delta, max_out_bytes, &out, "rsync patch"));
  return out;
}

}  // namespace tessera::common::rsync
