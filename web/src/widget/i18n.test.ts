import { describe, expect, it } from "vitest";
import { CATALOGUE, perLanguage, pickLanguage, supported, translator } from "./i18n";

describe("the widget's languages", () => {
  it("has English and Spanish, each with every English key", () => {
    expect(Object.keys(CATALOGUE).sort()).toEqual(expect.arrayContaining(["en", "es"]));
    for (const [lang, texts] of Object.entries(CATALOGUE)) {
      const missing = Object.keys(CATALOGUE.en).filter((k) => !(k in texts));
      expect(missing, `${lang} lacks keys`).toEqual([]);
    }
  });

  it("takes the page's lang first, then the browser's, then English", () => {
    expect(pickLanguage("en-GB", ["es-ES"])).toBe("en");
    expect(pickLanguage("es", ["en-US"])).toBe("es");
    expect(pickLanguage("", ["fr-FR", "es-MX"])).toBe("es");
    expect(pickLanguage("xx", ["zz"])).toBe("en");
    expect(supported("ES-mx")).toBe("es");
  });

  it("fills in fields and picks a company text per language", () => {
    expect(translator("es")("wait.position", { position: 3 })).toBe("Eres el número 3 en la cola.");
    expect(translator("en")("no.such.key")).toBe("no.such.key");
    expect(perLanguage({ en: "AI here", es: "IA aquí" }, "es")).toBe("IA aquí");
    expect(perLanguage({ en: "AI here" }, "es")).toBe("AI here");
    expect(perLanguage(undefined, "es")).toBeNull();
  });
});
