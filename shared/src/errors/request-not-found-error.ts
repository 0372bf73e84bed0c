import { CouponDropError } from "./coupon-drop-error.ts";

/** No issue request has this id, neither in Redis nor in PostgreSQL: the caller asked for nothing. */
export class RequestNotFoundError extends CouponDropError {
  readonly requestId: string;

  constructor(requestId: string) {
    super(`No issue request with id ${requestId}.`, { retriable: false });
    this.requestId = requestId;
  }
}
