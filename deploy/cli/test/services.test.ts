import { describe, expect, it } from "vitest";
import { addressVariable, serviceAddress, serviceForOrganisation, splitAddress } from "../src/services.js";

describe("service table", () => {
  it("finds the service that hosts an organisation by its id", () => {
    expect(serviceForOrganisation("mmcc-gaziantep")).toBe("municipality");
    expect(serviceForOrganisation("cc-sanliurfa-haliliye")).toBe("community-centre");
    expect(serviceForOrganisation("protection-partner")).toBe("protection");
    expect(serviceForOrganisation("ecm-unit")).toBe("ecm");
    expect(serviceForOrganisation("ngo-hayat")).toBe("intake");
    expect(serviceForOrganisation("coordination")).toBe("coordination");
    expect(serviceForOrganisation("unknown-org")).toBeUndefined();
  });

  it("reads addresses from KOPRU_<SERVICE>_ADDR, else the default port", () => {
    expect(addressVariable("community-centre")).toBe("KOPRU_COMMUNITY_CENTRE_ADDR");
    expect(serviceAddress("community-centre", {})).toBe("127.0.0.1:50054");
    expect(serviceAddress("intake", { KOPRU_INTAKE_ADDR: "10.0.0.5:6000" })).toBe("10.0.0.5:6000");
  });

  it("splits host:port and refuses anything else", () => {
    expect(splitAddress("127.0.0.1:50051")).toEqual({ host: "127.0.0.1", port: 50051 });
    expect(splitAddress("[::1]:9")).toEqual({ host: "[::1]", port: 9 });
    expect(() => splitAddress("localhost")).toThrow(/host:port/);
    expect(() => splitAddress("h:99999")).toThrow(/host:port/);
  });
});
