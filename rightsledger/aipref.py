"""What every served output says to crawlers and dataset builders, beside its Content Credentials:

- IETF AI Preferences (draft-ietf-aipref-vocab, draft-ietf-aipref-attach): a `Content-Usage`
  header, an RFC 9651 structured-field dictionary, and the same rule in /robots.txt. Only the
  current draft's categories are used: `train-ai` and `search`; never the withdrawn
  `train-genai` or `ai-use`. Since draft-ietf-aipref-vocab-08, `train-ai` covers only training
  models that generate content: the other AI uses (training other models, inference, data
  mining) are reserved by the CAWG training-mining entries of every output's Content Credentials
  (provenance.manifest: cawg.ai_training, cawg.ai_inference, cawg.data_mining), and the README
  says which signal covers which use.
- TDMRep (W3C Community Group): `tdm-reservation: 1`, and `tdm-policy` pointing at the served
  ODRL policy, in headers and in /.well-known/tdmrep.json.
- `X-Robots-Tag: noai, noimageai`, the convention some image crawlers read.
"""

CONTENT_USAGE = "train-ai=n"
TDM_POLICY_PATH = "/.well-known/tdm-policy.json"
# Where outputs are served: the API's asset content and the portal's downloads.
OUTPUT_PATHS = ("/api/assets/", "/requests/")


def reserve(response, request):
    """Mark a response that serves a generated output as reserved from AI training and mining."""
    response["Content-Usage"] = CONTENT_USAGE
    response["tdm-reservation"] = "1"
    response["tdm-policy"] = request.build_absolute_uri(TDM_POLICY_PATH)
    response["X-Robots-Tag"] = "noai, noimageai"
    return response


def robots_txt() -> str:
    lines = ["User-agent: *", "Allow: /", f"Content-Usage: {CONTENT_USAGE}"]
    lines += [f"Content-Usage: {path} {CONTENT_USAGE}" for path in OUTPUT_PATHS]
    return "\n".join(lines) + "\n"


def tdm_policy(uid: str, assigner: str) -> dict:
    """TDMRep's ODRL policy: text and data mining of the outputs is prohibited, and no licence is
    offered here; ask the studio (the assigner)."""
    return {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": uid,
        "assigner": {"uid": assigner},
        "prohibition": [{"target": path + "*", "action": "tdm:mine"} for path in OUTPUT_PATHS],
    }
