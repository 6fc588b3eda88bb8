import { describe, expect, it } from "vitest";
import { assertLocalDatabase } from "./guard";

describe("test database guard", () => {
  it.each(["postgresql://postgres@127.0.0.1:5432/x", "postgresql://postgres@localhost/x", "postgresql://postgres@[::1]:5432/x"])("allows %s", (url) => {
    expect(() => assertLocalDatabase(url)).not.toThrow();
  });

  it.each(["postgresql://admin@db.prod.example.com:5432/cmk", "postgresql://postgres@10.0.0.5/x"])("refuses %s", (url) => {
    expect(() => assertLocalDatabase(url)).toThrow(/only use a database on this machine/);
  });
});
