# Written by ipam-teardown export --mode recreate from the inventory of account 1000000000000001 in cn-hangzhou,
# collected 2026-01-02T04:04:05Z (inventory sha256:e5fb84a00d945c04a3173512043febec4180fab2e499766efd938373679ee6c3).
# terraform apply builds the tree again in an account without it.
#
# Not in this configuration (the provider cannot express it, or it is no part of the tree to build):
# - VPC allocation 172.17.1.0/24 of pool "network-infra" to VPC vpc-ye65x2ubmpe9n5u15i (account 1000000000000001): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 172.16.0.0/22 of pool "shared-apps" to VPC vpc-n7ish4grm5uavj1wjx (account 1000000000000002): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 172.16.128.0/20 of pool "shared-apps" to VPC vpc-2cbu8j6mf4hivk5ggv (account 1000000000000003): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 172.16.16.0/20 of pool "shared-apps" to VPC vpc-2cbu8j6mf4hivk5ggv (account 1000000000000003): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - Custom allocation 172.16.255.0/24 of pool "shared-apps" made by account 1000000000000002: an allocation belongs to the account that made it, through the share; that account's configuration makes it
# - VPC allocation 172.16.64.0/20 of pool "shared-apps" to VPC vpc-ts6gr7bkbi6kllc4hi (account 1000000000000002): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 2408:4000::/56 of pool "core-v6" to VPC vpc-ye65x2ubmpe9n5u15i (account 1000000000000001): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - the association of resource discovery "apps-discovery" (ipam-res-disco-tapxho7e4zqa1eoexwkg6) (account 1000000000000002) with the IPAM: the provider has no resource for a discovery association; associate it again after the apply (AssociateIpamResourceDiscovery)
# - resource share "apps-share" (rs-kpdgsAmzW0aa) of alicloud_vpc_ipam_ipam_pool.shared_apps: the provider's shared_resource resource accepts no IPAM resource types, and the inventory holds no share targets; associate it with the share again after the apply
# - resource discovery "apps-discovery" shared with this account: it belongs to account 1000000000000002, whose configuration builds it

terraform {
  required_providers {
    alicloud = {
      source = "aliyun/alicloud"
    }
  }
}

provider "alicloud" {
  region = "cn-hangzhou"
}

# IPAM "core"

resource "alicloud_vpc_ipam_ipam" "core" {
  ipam_name             = "core"
  ipam_description      = "Multi-account IPAM"
  operating_region_list = ["cn-hangzhou", "cn-shanghai"]
  tags = {
    env = "prod"
  }
}

resource "alicloud_vpc_ipam_ipam_pool" "core_v4" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.core.private_default_scope_id
  pool_region_id = "cn-hangzhou"
  ip_version     = "IPv4"
  ipam_pool_name = "core-v4"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "core_v4_172_16_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.core_v4.id
  cidr         = "172.16.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool" "network_infra" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.core.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.core_v4.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "network-infra"
  depends_on          = [alicloud_vpc_ipam_ipam_pool_cidr.core_v4_172_16_0_0_12]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "network_infra_172_17_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.network_infra.id
  cidr         = "172.17.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "infra_transit" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.network_infra.id
  cidr                      = "172.17.0.0/24"
  ipam_pool_allocation_name = "infra-transit"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.network_infra_172_17_0_0_16]
}

resource "alicloud_vpc_ipam_ipam_pool" "shared_apps" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.core.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.core_v4.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "shared-apps"
  tags = {
    shared = "true"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.core_v4_172_16_0_0_12]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "shared_apps_172_16_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.shared_apps.id
  cidr         = "172.16.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool" "core_v6" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.core.public_default_scope_id
  pool_region_id = "cn-hangzhou"
  ip_version     = "IPv6"
  ipv6_isp       = "BGP"
  ipam_pool_name = "core-v6"
}

# Was 2408:4000::/52: the addresses under an ISP's block are assigned anew, so a block of this size is asked for.
resource "alicloud_vpc_ipam_ipam_pool_cidr" "core_v6_2408_4000_52" {
  ipam_pool_id   = alicloud_vpc_ipam_ipam_pool.core_v6.id
  netmask_length = 52
}
