/**
 * Rotation tests' witnesses and faults, with the real clients: whether a storage key is one the
 * account's blob endpoint accepts (`@azure/storage-blob`'s own Shared Key signing, not the
 * core's), whether a client secret signs its application in (`ClientSecretCredential`), the
 * accounts' keys and the applications' passwords as ARM and Graph tell them, and a transport
 * that answers chosen requests with a failure (a blob endpoint refusing, Graph failing, the
 * vault refusing a write) while every other request goes to the emulator.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
} from "@azure/core-rest-pipeline";
import { ClientSecretCredential } from "@azure/identity";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { Emulator } from "../../src/emulator/index.ts";
import { auth, miToken, send } from "../emulator/wire-client.ts";

export const storageApiVersion = "2025-06-01";

export function accountId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

/** The account's keys as ARM's listKeys gives them. */
export async function storageKeys(
  emu: Emulator,
  id: string,
): Promise<{ key1: string; key2: string }> {
  const token = await miToken(emu, "https://management.azure.com/");
  const answer = await send(`${emu.armUrl}${id}/listKeys?api-version=${storageApiVersion}`, {
    method: "POST",
    headers: auth(token),
  });
  const keys = answer.json.keys as { keyName: string; value: string }[];
  const value = (name: string): string => keys.find((k) => k.keyName === name)?.value ?? "";
  return { key1: value("key1"), key2: value("key2") };
}

/** Whether the account's blob endpoint takes `key` (List Containers signed by the Blob SDK). */
export async function storageKeyWorks(
  emu: Emulator,
  account: string,
  key: string,
): Promise<boolean> {
  const client = new BlobServiceClient(
    emu.blobEndpoint(account),
    new StorageSharedKeyCredential(account, key),
    { retryOptions: { maxTries: 1 } },
  );
  try {
    await client.listContainers().byPage().next();
    return true;
  } catch {
    return false;
  }
}

export interface GraphPassword {
  keyId: string;
  displayName: string | null;
}

async function graphToken(emu: Emulator): Promise<string> {
  return miToken(emu, "https://graph.microsoft.com");
}

/** Adds a password through Graph, as a person or an earlier tool would have. */
export async function addGraphPassword(
  emu: Emulator,
  appId: string,
  displayName: string,
): Promise<{ keyId: string; secret: string }> {
  const answer = await send(`${emu.graphUrl}/v1.0/applications(appId='${appId}')/addPassword`, {
    method: "POST",
    headers: { ...auth(await graphToken(emu)), "content-type": "application/json" },
    body: JSON.stringify({ passwordCredential: { displayName } }),
  });
  return { keyId: String(answer.json.keyId), secret: String(answer.json.secretText) };
}

export async function graphPasswords(emu: Emulator, appId: string): Promise<GraphPassword[]> {
  const answer = await send(`${emu.graphUrl}/v1.0/applications(appId='${appId}')`, {
    headers: auth(await graphToken(emu)),
  });
  return answer.json.passwordCredentials as GraphPassword[];
}

/** Whether `secret` signs the application in (a fresh credential: no cached token). */
export async function passwordWorks(
  emu: Emulator,
  appId: string,
  secret: string,
): Promise<boolean> {
  const credential = new ClientSecretCredential(emu.tenantId, appId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
  try {
    return Boolean((await credential.getToken("https://graph.microsoft.com/.default")).token);
  } catch {
    return false;
  }
}

export interface InjectedFault {
  /** Which requests fail. */
  when: (request: PipelineRequest) => boolean;
  status: number;
  /** The answer's JSON body (a service's error shape). */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A transport that answers the requests `fault.when` picks with the fault, and sends every other
 * to the emulator; `hits` counts the requests it refused.
 */
export function faultyTransport(fault: InjectedFault): HttpClient & { hits: number } {
  const real = createDefaultHttpClient();
  const client = {
    hits: 0,
    sendRequest(request: PipelineRequest) {
      if (!fault.when(request)) return real.sendRequest(request);
      client.hits += 1;
      return Promise.resolve({
        request,
        status: fault.status,
        headers: createHttpHeaders({ "content-type": "application/json", ...fault.headers }),
        bodyAsText: JSON.stringify(fault.body),
      });
    },
  };
  return client;
}
