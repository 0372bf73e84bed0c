import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../logging/logger.ts";
import { answerBackendHealth } from "./backend-health.ts";
import { HttpError } from "./http-error.ts";
import { createHttpService, type HttpService } from "./http-service.ts";

let service: HttpService | undefined;
afterEach(async () => {
  await service?.close(100);
  service = undefined;
});

describe("answerBackendHealth", () => {
  it("answers GET /health 200 saying whether the backend is up, 405 to other methods, and leaves other paths", async () => {
    let backendUp = true;
    service = createHttpService({
      async handle(request, response) {
        const path = new URL(request.url ?? "/", "http://test").pathname;
        if (answerBackendHealth(request, response, path, backendUp)) return;
        throw new HttpError(404, `not here: ${path}`);
      },
      logger: silentLogger(),
    });
    const url = await service.listen(0);
    const up = await fetch(`${url}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: "ok", backend: "up" });
    backendUp = false;
    const down = await fetch(`${url}/health`);
    expect(down.status).toBe(200);
    expect(await down.json()).toEqual({ status: "ok", backend: "down" });
    const post = await fetch(`${url}/health`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });
});
