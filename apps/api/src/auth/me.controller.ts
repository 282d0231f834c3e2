import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IdentityEntity, type UserEntity } from '@enclave/persistence';
import { DataSource } from 'typeorm';
import { CurrentUser } from '../common/request-context';
import { MeDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentUser() user: UserEntity): Promise<MeDto> {
    const identities = await this.dataSource.getRepository(IdentityEntity).findBy({ userId: user.id });
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      avatarUrl: user.avatarUrl,
      isStaff: user.isStaff,
      identities: [...new Set(identities.map((identity) => identity.provider))],
    };
  }
}
