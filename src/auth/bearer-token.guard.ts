import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG } from '../app-tokens';
import type { AppConfig } from '../config/app-config';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Mutating endpoints: `Authorization: Bearer <API_TOKEN>`, compared in constant time. */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.api.token ? digest(config.api.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!this.expected) {
      throw new UnauthorizedException('No API token is configured on this server; set API_TOKEN');
    }
    if (!match) {
      throw new UnauthorizedException(
        'This endpoint changes state: send the header "Authorization: Bearer <API_TOKEN>"',
      );
    }
    // Hashing first gives equal lengths, so timingSafeEqual never throws and leaks no length.
    if (!timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException('The bearer token does not match API_TOKEN');
    }
    return true;
  }
}
