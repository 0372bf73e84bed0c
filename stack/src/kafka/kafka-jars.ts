import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../paths.ts";

const POM = join(REPO_ROOT, "stack", "kafka", "pom.xml");
const MARKER = ".complete-3.9.1";

/**
 * Apache Kafka's jars, resolved from Maven Central by Maven into `libsDir` once; later runs find
 * the marker and skip Maven (Maven's own repository cache makes a re-resolve quick too).
 */
export async function ensureKafkaJars(
  libsDir: string,
  log: (line: string) => void = console.log,
): Promise<string> {
  if (existsSync(join(libsDir, MARKER))) return libsDir;
  log(`resolving Kafka 3.9.1 jars with Maven into ${libsDir}`);
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      "mvn",
      [
        "-q",
        "-B",
        "-f",
        POM,
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        `-DoutputDirectory=${libsDir}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.on("data", (chunk) => output.push(String(chunk)));
    child.stderr.on("data", (chunk) => output.push(String(chunk)));
    child.on("error", (error) =>
      reject(
        new Error(
          `cannot run Maven (${error.message}): install Maven and a JDK 17+ (e.g. apt-get install maven openjdk-17-jdk-headless)`,
        ),
      ),
    );
    child.on("exit", (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0 || !readdirSync(libsDir).some((name) => name.startsWith("kafka_2.13-"))) {
    throw new Error(
      `Maven could not resolve Kafka's jars (exit ${code}):\n${output.join("").slice(-4000)}`,
    );
  }
  writeFileSync(join(libsDir, MARKER), new Date().toISOString());
  return libsDir;
}
