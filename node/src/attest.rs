//! `utc-node attest`: builds and signs an attestation so an attestor never
//! writes SCALE by hand.

use codec::Encode;
use pallet_compute::{AttestationPayload, AttestorKey};
use sp_core::{crypto::Ss58Codec, ed25519, sr25519, Pair, H256};
use sp_runtime::MultiSignature;
use utc_runtime::{AccountId, BlockNumber, Hash, RuntimeCall};

/// The signature scheme of the attestor's key.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Scheme {
	Sr25519,
	Ed25519,
}

/// Build and sign an attestation of a provider's capacity, and print it with the
/// `compute.submitAttestation` call the provider submits.
#[derive(Debug, clap::Parser)]
pub struct AttestCmd {
	/// The attestor's secret key URI (`//Attestor` on dev chains, a mnemonic or a hex seed).
	#[arg(long)]
	pub suri: String,

	/// The scheme of the attestor's key.
	#[arg(long, value_enum, default_value = "sr25519")]
	pub scheme: Scheme,

	/// The chain's genesis hash (0x-prefixed hex): `chain_getBlockHash(0)`.
	#[arg(long)]
	pub genesis_hash: String,

	/// The provider's account (SS58).
	#[arg(long)]
	pub provider: String,

	/// The compute class.
	#[arg(long)]
	pub class: u32,

	/// Units of capacity, in the class token's smallest part.
	#[arg(long)]
	pub units: u128,

	/// First block at which the capacity counts.
	#[arg(long)]
	pub valid_from: BlockNumber,

	/// First block at which it no longer counts.
	#[arg(long)]
	pub valid_until: BlockNumber,

	/// Hash of the evidence checked (0x-prefixed hex, 32 bytes).
	#[arg(long)]
	pub evidence_hash: String,

	/// The attestor's nonce; each is accepted once.
	#[arg(long)]
	pub nonce: u64,
}

fn h256(name: &str, hex: &str) -> Result<H256, String> {
	let bytes = hex
		.strip_prefix("0x")
		.ok_or_else(|| format!("--{name} must be 0x-prefixed hex"))
		.and_then(|digits| {
		(0..digits.len())
			.step_by(2)
			.map(|i| {
				digits
					.get(i..i + 2)
					.and_then(|pair| u8::from_str_radix(pair, 16).ok())
					.ok_or_else(|| format!("--{name} is not valid hex"))
			})
			.collect::<Result<Vec<u8>, String>>()
	})?;
	<[u8; 32]>::try_from(bytes.as_slice())
		.map(H256::from)
		.map_err(|_| format!("--{name} must be 32 bytes, got {}", bytes.len()))
}

fn hex(bytes: &[u8]) -> String {
	let mut out = String::with_capacity(2 + bytes.len() * 2);
	out.push_str("0x");
	for byte in bytes {
		out.push_str(&format!("{byte:02x}"));
	}
	out
}

impl AttestCmd {
	/// The signed attestation as JSON: the attestor key, the payload, the signature
	/// and the encoded call.
	pub fn run(&self) -> Result<serde_json::Value, String> {
		let genesis_hash: Hash = h256("genesis-hash", &self.genesis_hash)?;
		let evidence_hash = h256("evidence-hash", &self.evidence_hash)?;
		let provider = AccountId::from_ss58check(&self.provider)
			.map_err(|e| format!("--provider is not an SS58 account: {e:?}"))?;
		if self.units == 0 {
			return Err("--units must be more than zero".into());
		}
		if self.valid_until <= self.valid_from {
			return Err("--valid-until must be after --valid-from".into());
		}
		let payload: AttestationPayload<AccountId, BlockNumber, Hash> = AttestationPayload {
			genesis_hash,
			provider,
			class: self.class,
			units: self.units,
			valid_from: self.valid_from,
			valid_until: self.valid_until,
			evidence_hash,
			nonce: self.nonce,
		};
		let message = payload.message();
		let bad_suri = |e| format!("--suri is not a valid secret URI: {e:?}");
		let (attestor, signature) = match self.scheme {
			Scheme::Sr25519 => {
				let pair = sr25519::Pair::from_string(&self.suri, None).map_err(bad_suri)?;
				(AttestorKey::Sr25519(pair.public()), MultiSignature::Sr25519(pair.sign(&message)))
			}
			Scheme::Ed25519 => {
				let pair = ed25519::Pair::from_string(&self.suri, None).map_err(bad_suri)?;
				(AttestorKey::Ed25519(pair.public()), MultiSignature::Ed25519(pair.sign(&message)))
			}
		};
		let (scheme, public, signature_bytes) = match (&attestor, &signature) {
			(AttestorKey::Sr25519(key), MultiSignature::Sr25519(sig)) => {
				("Sr25519", key.0.to_vec(), sig.0.to_vec())
			}
			(AttestorKey::Ed25519(key), MultiSignature::Ed25519(sig)) => {
				("Ed25519", key.0.to_vec(), sig.0.to_vec())
			}
			_ => return Err("the key and signature schemes differ".into()),
		};
		let call = RuntimeCall::Compute(pallet_compute::Call::submit_attestation {
			attestor,
			attestation: payload.clone(),
			signature,
		});
		Ok(serde_json::json!({
			"attestor": { scheme: hex(&public) },
			"attestation": {
				"genesisHash": hex(genesis_hash.as_bytes()),
				"provider": self.provider,
				"class": self.class,
				"units": self.units.to_string(),
				"validFrom": self.valid_from,
				"validUntil": self.valid_until,
				"evidenceHash": hex(evidence_hash.as_bytes()),
				"nonce": self.nonce,
			},
			"payload": hex(&message),
			"signature": { scheme: hex(&signature_bytes) },
			"call": hex(&call.encode()),
		}))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;
	use sp_runtime::traits::Verify;

	fn cmd(extra: &[&str]) -> AttestCmd {
		let mut args = vec![
			"attest",
			"--suri",
			"//Attestor",
			"--genesis-hash",
			"0x1111111111111111111111111111111111111111111111111111111111111111",
			"--provider",
			"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
			"--class",
			"0",
			"--units",
			"5000",
			"--valid-from",
			"1",
			"--valid-until",
			"1000",
			"--evidence-hash",
			"0x2222222222222222222222222222222222222222222222222222222222222222",
			"--nonce",
			"7",
		];
		args.extend_from_slice(extra);
		AttestCmd::parse_from(args)
	}

	#[test]
	fn signs_the_scale_payload_with_the_attestors_key() {
		let out = cmd(&[]).run().unwrap();
		let payload = out["payload"].as_str().unwrap();
		let message: Vec<u8> = (2..payload.len())
			.step_by(2)
			.map(|i| u8::from_str_radix(&payload[i..i + 2], 16).unwrap())
			.collect();
		let pair = sr25519::Pair::from_string("//Attestor", None).unwrap();
		let sig = out["signature"]["Sr25519"].as_str().unwrap();
		let sig: Vec<u8> = (2..sig.len())
			.step_by(2)
			.map(|i| u8::from_str_radix(&sig[i..i + 2], 16).unwrap())
			.collect();
		let sig = sr25519::Signature::from_raw(sig.try_into().unwrap());
		assert!(sig.verify(&message[..], &pair.public()));
		assert_eq!(out["attestor"]["Sr25519"], hex(&pair.public().0));
		assert!(out["call"].as_str().unwrap().starts_with("0x08"), "Compute is pallet 8");
	}

	#[test]
	fn ed25519_keys_sign_too() {
		let out = cmd(&["--scheme", "ed25519"]).run().unwrap();
		assert!(out["signature"]["Ed25519"].is_string());
	}

	#[test]
	fn bad_input_is_a_clear_error() {
		let mut c = cmd(&[]);
		c.genesis_hash = "1234".into();
		assert_eq!(c.run().unwrap_err(), "--genesis-hash must be 0x-prefixed hex");
		let mut c = cmd(&[]);
		c.evidence_hash = "0x1234".into();
		assert_eq!(c.run().unwrap_err(), "--evidence-hash must be 32 bytes, got 2");
		let mut c = cmd(&[]);
		c.provider = "alice".into();
		assert!(c.run().unwrap_err().starts_with("--provider is not an SS58 account"));
		let mut c = cmd(&[]);
		c.valid_until = 1;
		assert_eq!(c.run().unwrap_err(), "--valid-until must be after --valid-from");
		let mut c = cmd(&[]);
		c.suri = "not a uri at all".into();
		assert!(c.run().unwrap_err().starts_with("--suri is not a valid secret URI"));
	}
}
