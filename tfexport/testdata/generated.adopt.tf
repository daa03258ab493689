# Written by ipam-teardown export --mode adopt from the inventory of account 1000000000000001 in cn-hangzhou,
# collected 2026-01-02T04:04:05Z (inventory sha256:2f2dc1ea389c068c25ea6df0589d9057de048ec039164798367262383c2c8db0).
# terraform plan shows only imports: the live resources come under Terraform unchanged.
#
# Not in this configuration (the provider cannot express it, or it is no part of the tree to build):
# - VPC allocation 10.160.0.0/11 of pool "line break resource \"x\" \"y\" {}" (ipam-pool-oeaolapjqvoeok04jy) to VPC vpc-3vngng37dc4kwglfwi (account 1000000000000002): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - resource share "share-1" (rs-jIHoQh3DAvYc) of alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y: the provider's shared_resource resource accepts no IPAM resource types, and the inventory holds no share targets; associate it with the share again after the apply

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

provider "alicloud" {
  alias  = "cn_shanghai"
  region = "cn-shanghai"
}

# IPAM "gen-1" (ipam-dn0tmwz8a4mxkjmj6g)

import {
  to = alicloud_vpc_ipam_ipam.gen_1
  id = "ipam-dn0tmwz8a4mxkjmj6g"
}

resource "alicloud_vpc_ipam_ipam" "gen_1" {
  ipam_name             = "gen-1"
  operating_region_list = ["cn-hangzhou", "cn-shanghai"]
  tags = {
    generated = "true"
  }
}

import {
  to = alicloud_vpc_ipam_ipam_pool.dup_name_2
  id = "ipam-pool-e9js8ijhfpzlfsg4nq"
}

resource "alicloud_vpc_ipam_ipam_pool" "dup_name_2" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  ip_version     = "IPv4"
  ipam_pool_name = "dup-name"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.dup_name_2_192_169_0_0_16
  id = "ipam-pool-e9js8ijhfpzlfsg4nq#192.169.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "dup_name_2_192_169_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.dup_name_2.id
  cidr         = "192.169.0.0/16"
}

import {
  to = alicloud_vpc_ipam_ipam_pool.dup_name
  id = "ipam-pool-3abx60fx4t2ws2qhyd"
}

resource "alicloud_vpc_ipam_ipam_pool" "dup_name" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  ip_version     = "IPv4"
  ipam_pool_name = "dup_name"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.dup_name_192_170_0_0_16
  id = "ipam-pool-3abx60fx4t2ws2qhyd#192.170.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "dup_name_192_170_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.dup_name.id
  cidr         = "192.170.0.0/16"
}

import {
  to = alicloud_vpc_ipam_ipam_pool.edge_sh
  id = "ipam-pool-8d1v7tfxy9kepp4coq"
}

resource "alicloud_vpc_ipam_ipam_pool" "edge_sh" {
  ipam_scope_id            = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  pool_region_id           = "cn-shanghai"
  ip_version               = "IPv4"
  ipam_pool_name           = "edge-sh"
  ipam_pool_description    = "Shanghai edge $${var.x} %%{if true}"
  allocation_min_cidr_mask = 20
  tags = {
    cost-center = "ops:1"
    tier        = "edge"
  }
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.edge_sh_192_168_0_0_16
  id = "ipam-pool-8d1v7tfxy9kepp4coq#192.168.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "edge_sh_192_168_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.edge_sh.id
  cidr         = "192.168.0.0/16"
}

import {
  to       = alicloud_vpc_ipam_ipam_pool_allocation.edge_reserved
  id       = "ipam-alloc-hrqrf8vvsh73qi5a00"
  provider = alicloud.cn_shanghai
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "edge_reserved" {
  provider                         = alicloud.cn_shanghai
  ipam_pool_id                     = alicloud_vpc_ipam_ipam_pool.edge_sh.id
  cidr                             = "192.168.0.0/24"
  ipam_pool_allocation_name        = "edge-reserved"
  ipam_pool_allocation_description = "Kept for the edge"
  depends_on                       = [alicloud_vpc_ipam_ipam_pool_cidr.edge_sh_192_168_0_0_16]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y
  id = "ipam-pool-oeaolapjqvoeok04jy"
}

resource "alicloud_vpc_ipam_ipam_pool" "line_break_resource_x_y" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  pool_region_id = "cn-hangzhou"
  ip_version     = "IPv4"
  ipam_pool_name = "line\nbreak\nresource \"x\" \"y\" {}"
  tags = {
    env  = "prod"
    team = "platform"
  }
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.line_break_resource_x_y_10_0_0_0_8
  id = "ipam-pool-oeaolapjqvoeok04jy#10.0.0.0/8"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "line_break_resource_x_y_10_0_0_0_8" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y.id
  cidr         = "10.0.0.0/8"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00001
  id = "ipam-alloc-fa69maigkhnlqc0gub"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00001" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y.id
  cidr                      = "10.128.0.0/11"
  ipam_pool_allocation_name = "alloc-00001"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.line_break_resource_x_y_10_0_0_0_8]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00002
  id = "ipam-pool-g7jduhl2b80stpb4c7"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00002" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00002"
  tags = {
    env = "staging"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.line_break_resource_x_y_10_0_0_0_8]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00002_10_64_0_0_10
  id = "ipam-pool-g7jduhl2b80stpb4c7#10.64.0.0/10"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00002_10_64_0_0_10" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00002.id
  cidr         = "10.64.0.0/10"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00002
  id = "ipam-alloc-n7ish4grm5uavj1wjx"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00002" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00002.id
  cidr                      = "10.64.0.0/13"
  ipam_pool_allocation_name = "alloc-00002"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00002_10_64_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00004
  id = "ipam-pool-u50t2nljbcjfnx2j67"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00004" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00002.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00004"
  tags = {
    env  = "staging"
    team = "payments"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00002_10_64_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00004_10_80_0_0_12
  id = "ipam-pool-u50t2nljbcjfnx2j67#10.80.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00004_10_80_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00004.id
  cidr         = "10.80.0.0/12"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00004
  id = "ipam-alloc-ha7rybkese5u77siru"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00004" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00004.id
  cidr                      = "10.88.0.0/13"
  ipam_pool_allocation_name = "alloc-00004"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00004_10_80_0_0_12]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00005
  id = "ipam-pool-2na1adtq8wrcleij80"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00005" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00002.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00005"
  tags = {
    env  = "dev"
    team = "payments"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00002_10_64_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00005_10_96_0_0_12
  id = "ipam-pool-2na1adtq8wrcleij80#10.96.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00005_10_96_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00005.id
  cidr         = "10.96.0.0/12"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00005
  id = "ipam-alloc-r8ptvx0adx13bxc9yk"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00005" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00005.id
  cidr                      = "10.104.0.0/13"
  ipam_pool_allocation_name = "alloc-00005"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00005_10_96_0_0_12]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00003
  id = "ipam-pool-av3gygs5cw0g8c1jgu"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00003" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.line_break_resource_x_y.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00003"
  tags = {
    env  = "dev"
    team = "payments"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.line_break_resource_x_y_10_0_0_0_8]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00003_10_192_0_0_10
  id = "ipam-pool-av3gygs5cw0g8c1jgu#10.192.0.0/10"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00003_10_192_0_0_10" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00003.id
  cidr         = "10.192.0.0/10"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00003
  id = "ipam-alloc-7x56ckb2dqg79vtpbz"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00003" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00003.id
  cidr                      = "10.240.0.0/13"
  ipam_pool_allocation_name = "alloc-00003"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00003_10_192_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00006
  id = "ipam-pool-lx9x3sp1e5h13vaaxs"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00006" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00003.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00006"
  tags = {
    env = "staging"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00003_10_192_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00006_10_208_0_0_12
  id = "ipam-pool-lx9x3sp1e5h13vaaxs#10.208.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00006_10_208_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00006.id
  cidr         = "10.208.0.0/12"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00006
  id = "ipam-alloc-2cbu8j6mf4hivk5ggv"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00006" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00006.id
  cidr                      = "10.216.0.0/13"
  ipam_pool_allocation_name = "alloc-00006"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00006_10_208_0_0_12]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.pool_00007
  id = "ipam-pool-r3o6wtxrw6vft90qkw"
}

resource "alicloud_vpc_ipam_ipam_pool" "pool_00007" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.private_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00003.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "pool-00007"
  tags = {
    env = "dev"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00003_10_192_0_0_10]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.pool_00007_10_192_0_0_12
  id = "ipam-pool-r3o6wtxrw6vft90qkw#10.192.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "pool_00007_10_192_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.pool_00007.id
  cidr         = "10.192.0.0/12"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.alloc_00007
  id = "ipam-alloc-vec52r31zc5nz1cpoa"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "alloc_00007" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.pool_00007.id
  cidr                      = "10.192.0.0/13"
  ipam_pool_allocation_name = "alloc-00007"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.pool_00007_10_192_0_0_12]
}

import {
  to = alicloud_vpc_ipam_ipam_pool.public_v6
  id = "ipam-pool-ye65x2ubmpe9n5u15i"
}

resource "alicloud_vpc_ipam_ipam_pool" "public_v6" {
  ipam_scope_id  = alicloud_vpc_ipam_ipam.gen_1.public_default_scope_id
  pool_region_id = "cn-hangzhou"
  ip_version     = "IPv6"
  ipv6_isp       = "BGP"
  ipam_pool_name = "public-v6"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.public_v6_2408_4000_48
  id = "ipam-pool-ye65x2ubmpe9n5u15i#2408:4000::/48"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "public_v6_2408_4000_48" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.public_v6.id
  cidr         = "2408:4000::/48"
}

import {
  to = alicloud_vpc_ipam_ipam_pool.public_v6_child
  id = "ipam-pool-py06gabekyvzrxl3t8"
}

resource "alicloud_vpc_ipam_ipam_pool" "public_v6_child" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam.gen_1.public_default_scope_id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.public_v6.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv6"
  ipv6_isp            = "BGP"
  ipam_pool_name      = "public-v6-child"
  depends_on          = [alicloud_vpc_ipam_ipam_pool_cidr.public_v6_2408_4000_48]
}

import {
  to = alicloud_vpc_ipam_ipam_pool_cidr.public_v6_child_2408_4000_52
  id = "ipam-pool-py06gabekyvzrxl3t8#2408:4000::/52"
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "public_v6_child_2408_4000_52" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.public_v6_child.id
  cidr         = "2408:4000::/52"
}

import {
  to = alicloud_vpc_ipam_ipam_pool_allocation.v6_reserved
  id = "ipam-alloc-dukwhhqq02nic3uz0d"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "v6_reserved" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.public_v6_child.id
  cidr                      = "2408:4000::/56"
  ipam_pool_allocation_name = "v6-reserved"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.public_v6_child_2408_4000_52]
}
