# Written by ipam-teardown export --mode recreate from the inventory of account 1000000000000001 in cn-hangzhou,
# collected 2026-01-02T04:04:05Z (inventory sha256:65459a8feb80f7432fe4e9cde0af64e63e3f70527251bd21eef0bb6b37f7b99a).
# terraform apply builds the tree again in an account without it.
#
# Not in this configuration (the provider cannot express it, or it is no part of the tree to build):
# - VPC allocation 10.0.0.0/24 of pool "prod-hz-app" to VPC vpc-3abx60fx4t2ws2qhyd (account 1000000000000002): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 10.0.1.0/24 of pool "prod-hz-app" to VPC vpc-3abx60fx4t2ws2qhyd (account 1000000000000002): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - VPC allocation 10.1.16.0/20 of pool "prod-hz-db" to VPC vpc-fa69maigkhnlqc0gub (account 1000000000000001): a VPC allocation belongs to its VPC: it comes back when the VPC takes its CIDR from the pool again
# - IPAM member 1000000000000002 (Account): the provider has no resource for IPAM members; add it again after the apply (AddIpamMembers)
# - IPAM member fd-sandboxapps (Folder): the provider has no resource for IPAM members; add it again after the apply (AddIpamMembers)
# - resource share "app-pool-share" (rs-27VvbNZx2jUo) of alicloud_vpc_ipam_ipam_pool.prod_hz_app: the provider's shared_resource resource accepts no IPAM resource types, and the inventory holds no share targets; associate it with the share again after the apply

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

# IPAM "sandbox"

resource "alicloud_vpc_ipam_ipam" "sandbox" {
  ipam_name             = "sandbox"
  ipam_description      = "Sandbox IPAM of the network team"
  operating_region_list = ["cn-hangzhou", "cn-shanghai"]
  tags = {
    env   = "sandbox"
    owner = "network-team"
  }
}

resource "alicloud_vpc_ipam_ipam_scope" "sandbox_prod" {
  ipam_id                = alicloud_vpc_ipam_ipam.sandbox.id
  ipam_scope_name        = "sandbox-prod"
  ipam_scope_description = "Production address space"
  ipam_scope_type        = "private"
  tags = {
    env = "prod"
  }
}

resource "alicloud_vpc_ipam_ipam_pool" "corp" {
  ipam_scope_id         = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  ip_version            = "IPv4"
  ipam_pool_name        = "corp"
  ipam_pool_description = "Corporate address space"
  tags = {
    level = "top"
  }
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "corp_10_0_0_0_8" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.corp.id
  cidr         = "10.0.0.0/8"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "corp_on_prem" {
  ipam_pool_id                     = alicloud_vpc_ipam_ipam_pool.corp.id
  cidr                             = "10.255.0.0/16"
  ipam_pool_allocation_name        = "corp-on-prem"
  ipam_pool_allocation_description = "Reserved for the on-premises network"
  depends_on                       = [alicloud_vpc_ipam_ipam_pool_cidr.corp_10_0_0_0_8]
}

resource "alicloud_vpc_ipam_ipam_pool" "prod_hz" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.corp.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "prod-hz"
  tags = {
    level = "region"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.corp_10_0_0_0_8]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "prod_hz_10_0_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_hz.id
  cidr         = "10.0.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool" "prod_hz_app" {
  ipam_scope_id                = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  source_ipam_pool_id          = alicloud_vpc_ipam_ipam_pool.prod_hz.id
  pool_region_id               = "cn-hangzhou"
  ip_version                   = "IPv4"
  ipam_pool_name               = "prod-hz-app"
  allocation_min_cidr_mask     = 16
  allocation_max_cidr_mask     = 28
  allocation_default_cidr_mask = 24
  tags = {
    level = "app"
    team  = "app"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.prod_hz_10_0_0_0_12]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "prod_hz_app_10_0_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_hz_app.id
  cidr         = "10.0.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool" "prod_hz_db" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_hz.id
  pool_region_id      = "cn-hangzhou"
  ip_version          = "IPv4"
  ipam_pool_name      = "prod-hz-db"
  tags = {
    level = "app"
    team  = "data"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.prod_hz_10_0_0_0_12]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "prod_hz_db_10_1_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_hz_db.id
  cidr         = "10.1.0.0/16"
}

resource "alicloud_vpc_ipam_ipam_pool_allocation" "db_reserved" {
  ipam_pool_id              = alicloud_vpc_ipam_ipam_pool.prod_hz_db.id
  cidr                      = "10.1.0.0/24"
  ipam_pool_allocation_name = "db-reserved"
  depends_on                = [alicloud_vpc_ipam_ipam_pool_cidr.prod_hz_db_10_1_0_0_16]
}

resource "alicloud_vpc_ipam_ipam_pool" "prod_sh" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.corp.id
  pool_region_id      = "cn-shanghai"
  ip_version          = "IPv4"
  ipam_pool_name      = "prod-sh"
  tags = {
    level = "region"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.corp_10_0_0_0_8]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "prod_sh_10_16_0_0_12" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_sh.id
  cidr         = "10.16.0.0/12"
}

resource "alicloud_vpc_ipam_ipam_pool" "prod_sh_app" {
  ipam_scope_id       = alicloud_vpc_ipam_ipam_scope.sandbox_prod.id
  source_ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_sh.id
  pool_region_id      = "cn-shanghai"
  ip_version          = "IPv4"
  ipam_pool_name      = "prod-sh-app"
  tags = {
    level = "app"
    team  = "app"
  }
  depends_on = [alicloud_vpc_ipam_ipam_pool_cidr.prod_sh_10_16_0_0_12]
}

resource "alicloud_vpc_ipam_ipam_pool_cidr" "prod_sh_app_10_16_0_0_16" {
  ipam_pool_id = alicloud_vpc_ipam_ipam_pool.prod_sh_app.id
  cidr         = "10.16.0.0/16"
}
