// Neutron's faults: {"NeutronError": {"type", "message", "detail"}} with
// the exception class name as type and neutron-lib's message text.
import { ApiError } from '../http.js';

export class NeutronError extends ApiError {
  readonly type: string;
  readonly detail: string;
  constructor(status: number, type: string, message: string, detail = '') {
    super(status, message);
    this.name = 'NeutronError';
    this.type = type;
    this.detail = detail;
  }
  override body(): unknown {
    return neutronErrorBody(this.type, this.message, this.detail);
  }
}

export function neutronErrorBody(type: string, message: string, detail = ''): unknown {
  return { NeutronError: { type, message, detail } };
}

export const badRequest = (message: string) => new NeutronError(400, 'HTTPBadRequest', message);
export const invalidInput = (message: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`);

export const networkNotFound = (id: string) => new NeutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string) => new NeutronError(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string) => new NeutronError(404, 'PortNotFound', `Port ${id} could not be found.`);

export const networkInUse = (id: string) =>
  new NeutronError(409, 'NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string) =>
  new NeutronError(409, 'SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
export const tunnelIdInUse = (vni: number) =>
  new NeutronError(409, 'TunnelIdInUse', `Unable to create the network. The tunnel ID ${vni} is in use.`);
export const noTenantNetworks = () =>
  new NeutronError(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');
export const macInUse = (netId: string, mac: string) =>
  new NeutronError(409, 'MacAddressInUse', `Unable to complete operation for network ${netId}. The mac address ${mac} is in use.`);
export const ipAllocated = (ip: string, subnetId: string) =>
  new NeutronError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const ipExhausted = (netId: string) =>
  new NeutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);
export const invalidIpForSubnet = (ip: string) =>
  new NeutronError(400, 'InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const invalidIpForNetwork = (ip: string) =>
  new NeutronError(400, 'InvalidIpForNetwork', `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
