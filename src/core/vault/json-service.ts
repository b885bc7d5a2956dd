/**
 * A small JSON client for the services beside the vault (ARM for the workspace look-up and the
 * storage keys, Microsoft Graph) over the connection's credential and transport, with the vault
 * requests' one retry policy (gate.ts): 429 with and without Retry-After, 408 and 5xx, socket
 * errors. A few requests on the core REST pipeline the vault SDK already bundles, rather than an
 * SDK per service (workspace.ts says what that saves).
 */
import {
  bearerTokenAuthenticationPolicy,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { ValidationError, VaultError } from "../errors.ts";
import type { Connection } from "../platform.ts";
import { createRequestGate, RequestTimeoutError, type RequestGate } from "./gate.ts";
import { createNetworkClient } from "./network.ts";
import { serviceError, serviceSaid } from "./service-error.ts";

export interface ServiceOptions {
  /** What the service is called in messages: `ARM`, `Microsoft Graph`. */
  name: string;
  /** Where requests go (`resource-manager-url`, `graph-url`, or the cloud's). */
  base: string;
  /** The token's scope: the cloud's audience, whatever `base` is (see `armScope`). */
  scope: string;
  /** The input that moves `base`, as the platform spells it, for messages. */
  baseInput: string;
  requestTimeoutMs?: number;
  timeoutInput?: string;
  /** First retry delay when the service sends no Retry-After. */
  retryDelayMs?: number;
  /** Requests in flight at once (4 by default). */
  concurrency?: number;
}

/**
 * ARM's token scope: the cloud's ARM audience (as the Azure CLI keeps its
 * `activeDirectoryResourceId` when only the endpoint changes), whatever `resource-manager-url`
 * says: that input moves where requests go (a private endpoint, the emulator), not whom Entra ID
 * issues the token for.
 */
export function armScope(connection: Connection): string {
  return `${connection.cloud.resourceManager.replace(/\/+$/, "")}/.default`;
}

/** At most this many tries of one request (the first and three retries). */
const maxAttempts = 4;

export class JsonService {
  readonly base: string;
  readonly name: string;
  private readonly pipeline: Pipeline;
  private readonly client: HttpClient;
  private readonly gate: RequestGate;

  constructor(
    private readonly connection: Connection,
    private readonly options: ServiceOptions,
  ) {
    this.name = options.name;
    this.base = options.base.replace(/\/+$/, "");
    // A bearer token never travels in the clear.
    if (!URL.canParse(this.base) || new URL(this.base).protocol !== "https:") {
      throw new ValidationError([`${options.baseInput} ${options.base} must be an https URL`]);
    }
    this.client = connection.httpClient ?? createNetworkClient();
    this.gate = createRequestGate({
      concurrency: options.concurrency ?? 4,
      maxAttempts,
      baseDelayMs: options.retryDelayMs ?? 1_000,
      target: `${options.name} (${this.base})`,
      ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}),
      ...(options.timeoutInput !== undefined ? { timeoutInput: options.timeoutInput } : {}),
    });
    // The gate says what is retried; the pipeline's own retries are off.
    this.pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 } });
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: connection.credential, scopes: options.scope }),
    );
  }

  /**
   * Sends `method path` (a path under `base`) with a JSON body, and returns the answer's JSON
   * (undefined for an empty answer, e.g. 204). A failure is a `VaultError` saying `what` failed
   * and what the service said (its structured error only, see service-error.ts).
   */
  async send(method: "GET" | "POST", path: string, what: string, body?: unknown): Promise<unknown> {
    let response: PipelineResponse;
    try {
      response = await this.exchange(method, `${this.base}${path}`, what, body);
    } catch (e: unknown) {
      throw this.failure(what, e);
    }
    const text = response.bodyAsText ?? "";
    if (text === "") return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new VaultError(
        `${what}: ${this.name}'s answer (${response.status}, ${text.length} characters) is not JSON (is ${this.options.baseInput} ${this.name}'s endpoint?)`,
        response.status,
      );
    }
  }

  /**
   * Sends `method url` through the gate (its retries, its timeout) and resolves to the 2xx
   * answer; anything else rejects with the pipeline's or the gate's own error, for a caller that
   * words its failures itself (workspace.ts).
   */
  exchange(
    method: "GET" | "POST",
    url: string,
    what: string,
    body?: unknown,
  ): Promise<PipelineResponse> {
    const op = (signal?: AbortSignal): Promise<PipelineResponse> =>
      this.sendOnce(method, url, body, signal);
    return method === "GET" ? this.gate.read(what, op) : this.gate.write(what, op);
  }

  private async sendOnce(
    method: string,
    url: string,
    body: unknown,
    abortSignal?: AbortSignal,
  ): Promise<PipelineResponse> {
    const request = createPipelineRequest({
      url,
      method: method as "GET" | "POST",
      headers: createHttpHeaders({
        accept: "application/json",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      }),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(abortSignal ? { abortSignal } : {}),
    });
    const response = await this.pipeline.sendRequest(this.client, request);
    if (response.status >= 200 && response.status < 300) return response;
    throw new RestError(`${this.name} answered ${response.status}`, {
      statusCode: response.status,
      request,
      response,
    });
  }

  private failure(what: string, e: unknown): VaultError {
    if (e instanceof RequestTimeoutError) return new VaultError(`${what}: ${e.message}`);
    const error = serviceError(e);
    if (e instanceof RestError && e.response) {
      return new VaultError(
        `${what}: ${this.name} answered ${serviceSaid(e)}`,
        error.status,
        error.code,
        error.requestId ?? e.response.headers.get("request-id") ?? undefined,
      );
    }
    if (e instanceof RestError && e.statusCode === undefined && e.code !== undefined) {
      return new VaultError(`${what}: no answer from ${this.base}: ${serviceSaid(e)}`);
    }
    return new VaultError(
      `${what}: could not get a token for ${this.name} (${this.options.scope}) with ${this.connection.describe}: ${serviceSaid(e)}; ${this.connection.hint}`,
    );
  }
}
