import { Anchor, AppShell, Avatar, Button, Container, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { Link, Outlet, useNavigate } from 'react-router';
import { useMe, useSignOut } from '../api/queries';

/** Header with the user's menu; pages render below it. */
export function Shell() {
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const user = me.data;
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Container size="lg" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="md" wrap="nowrap">
              <Anchor component={Link} to="/" fw={800} size="lg" underline="never" c="indigo.7">
                Enclave
              </Anchor>
              <Anchor component={Link} to="/" size="sm" visibleFrom="xs">
                Workspaces
              </Anchor>
              {user?.isStaff ? (
                <Anchor component={Link} to="/staff/audit" size="sm">
                  Staff console
                </Anchor>
              ) : null}
            </Group>
            {user ? (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <UnstyledButton aria-label="Account menu">
                    <Group gap="xs" wrap="nowrap">
                      {/* Initials, not the provider's avatar URL: the API's CSP (img-src 'self' data:) blocks remote images. */}
                      <Avatar size="sm" radius="xl" color="indigo">
                        {(user.name ?? user.email).slice(0, 1).toUpperCase()}
                      </Avatar>
                      <Text size="sm" visibleFrom="sm" truncate maw={200}>
                        {user.name ?? user.email}
                      </Text>
                    </Group>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>{user.email}</Menu.Label>
                  <Menu.Item component={Link} to="/account">
                    Account
                  </Menu.Item>
                  <Menu.Item
                    onClick={() =>
                      signOut.mutate(undefined, {
                        onSettled: () => {
                          void navigate('/sign-in');
                        },
                      })
                    }
                  >
                    Sign out
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            ) : (
              <Button component={Link} to="/sign-in" size="xs">
                Sign in
              </Button>
            )}
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="lg" px={0}>
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
